// Public API of the read/write DB client with read-your-writes.
export { createDbClient, DbClient, isConnectionError, type DbClientOptions, type QueryOptions, type DbTransaction, type DbStats, type ReadBatch } from './client.js';
export { DbSession } from './session.js';
export { parseLsn, formatLsn } from './lsn.js';
export { routeStatement, type Route } from './routing.js';
