export * from './client-database.js';
export * from './database.js';
export * from './empty-database.js';
export * from './log-capture.js';
