/**
 * Names the services show to the servers they use: PostgreSQL `application_name` (visible in
 * `pg_stat_activity`) and the Kafka client id.
 */

/** `application_name` of the loader's target connection. */
export const LOADER_APPLICATION_NAME = 'database-replicator-loader';

/** Kafka client id of the loader service. */
export const LOADER_CLIENT_ID = 'database-replicator-loader';
