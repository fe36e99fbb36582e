/**
 * @database-replicator/postgres — PostgreSQL as source and target: connections, introspection,
 * native logical replication, pg_dump/pg_restore, verification and cutover. Each export carries
 * its TSDoc at its definition.
 */

// Connections
export { connectPostgres, databaseOf, hostOf, withDatabase } from './connection.js';
export type { ConnectOptions, PostgresClient } from './connection.js';
export { createLibpqEnvironment } from './libpq-environment.js';
export type { LibpqEnvironment } from './libpq-environment.js';

// Introspection
export { listSequences, listTables } from './introspect.js';
export type { PostgresSequenceInfo, PostgresTableInfo, ReplicaIdentity } from './introspect.js';
