export * from './api-clients.js';
export * from './payments.js';
