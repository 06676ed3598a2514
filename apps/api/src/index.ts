/** The API as a library, for tests and benchmarks that run it in-process. */
export { buildApp } from './app.js';
export { type ApiConfig, apiEnvSchema, loadApiConfig } from './config.js';
export { type ApiDeps, createApiDeps } from './deps.js';
export { API_NODE_FLAGS } from './node-flags.js';
