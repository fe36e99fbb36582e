/**
 * Names the services show to the servers they use: PostgreSQL `application_name` (visible in
 * `pg_stat_activity`) and the Kafka client id.
 */

/**
 * `application_name` of the embedded pipeline's target session (CLI `init`/`sync`): verify
 * looks for it to tell a busy loader from a stopped one.
 */
export const EMBEDDED_PIPELINE_APPLICATION_NAME = 'database-replicator pipeline';

/** `application_name` of the loader's target connection. */
export const LOADER_APPLICATION_NAME = 'database-replicator-loader';

/** Kafka client id of the loader service. */
export const LOADER_CLIENT_ID = 'database-replicator-loader';

/** `application_name` of the coordinator's target connections. */
export const COORDINATOR_APPLICATION_NAME = 'database-replicator-coordinator';

/** NATS connection name of the coordinator service. */
export const COORDINATOR_CLIENT_ID = 'database-replicator-coordinator';

/** Kafka client id and NATS connection name of the PostgreSQL extractor service. */
export const EXTRACTOR_POSTGRES_CLIENT_ID = 'database-replicator-extractor-postgres';
