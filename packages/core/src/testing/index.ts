export * from './database.js';
export * from './log-capture.js';
