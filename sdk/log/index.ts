export { createLogger, setRootLogger, type Logger } from './logger.js';
