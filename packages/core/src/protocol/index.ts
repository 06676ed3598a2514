/** The delivery protocol's decisions, pure: time and I/O come in as parameters (see each file). */
export * from './careful-mode.js';
export * from './clock.js';
export * from './matching.js';
export * from './outcomes.js';
