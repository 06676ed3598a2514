export * from './api-clients.js';
export * from './console.js';
export * from './payments.js';
export * from './webhooks.js';
