export { parseDuration, parseSize, formatDuration } from './units.js';
export { duration, size, hostPort, url, parseHostPort, formatIssues, formatPath } from './schema.js';
