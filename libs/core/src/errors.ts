import { redactText } from './redact.js';

/** One entry of {@link ERROR_CATALOGUE}: a short title and the default fix. */
export type ErrorCatalogueEntry = Readonly<{ title: string; fix: string }>;

/**
 * Every error code the project raises, with its title and the default fix shown to users.
 * Codes are stable and never reused: rename or retire one by adding a new code.
 * docs/errors.md documents the same set; a unit test fails when the two differ.
 */
export const ERROR_CATALOGUE = Object.freeze({
  REPL_CONFIG_INVALID: entry(
    'A configuration value is invalid',
    'Correct the named key in the named place (config file, environment variable or flag).',
  ),
  REPL_CONFIG_UNKNOWN_KEY: entry(
    'The config file contains a key that does not exist',
    'Remove the key or correct its spelling; docs/errors.md lists the accepted keys.',
  ),
  REPL_CONFIG_FILE_UNREADABLE: entry(
    'The config file cannot be read',
    'Check that the --config path exists and is readable by the current user.',
  ),
  REPL_CONFIG_FILE_SYNTAX: entry(
    'The config file is not valid TOML',
    'Fix the TOML syntax at the reported line and column.',
  ),
  REPL_CONFIG_SOURCE_SCHEME: entry(
    'The source URL has an unsupported scheme',
    'Use postgresql://, mysql://, mariadb://, mongodb://, mongodb+srv://, sqlite:///path or a path ending .db, .sqlite or .sqlite3.',
  ),
  REPL_CONFIG_FILTER_SYNTAX: entry(
    'A table filter flag is malformed',
    'Write --table-filter as "table:SQL predicate" and --time-filter as "table:column:N unit".',
  ),
  REPL_CONFIG_TABLE_NOT_FOUND: entry(
    'A table filter names a table the source does not have',
    'Correct the table name ([db.][schema.]table, quoted where it contains dots) or remove the filter.',
  ),
  REPL_EVENT_INVALID: entry(
    'A change event failed validation',
    'The producer wrote a message that breaks the event contract; fix the producer.',
  ),
  REPL_IDENTIFIER_INVALID: entry(
    'A table or column name is invalid',
    'Use a non-empty name without NUL characters; quote parts that contain dots, commas or quotes with double quotes.',
  ),
  REPL_POSITION_INVALID: entry(
    'A source position is malformed',
    'The stored checkpoint or event is corrupt or from an incompatible version; reset the checkpoint of that source.',
  ),
  REPL_POSITION_MISMATCH: entry(
    'Two source positions cannot be compared',
    'Compare positions of the same source kind only; MongoDB resume tokens are not orderable.',
  ),
  REPL_VALUE_UNSUPPORTED: entry(
    'A value cannot be encoded losslessly',
    'Convert the value to a supported type (string, number, bigint, boolean, null, Date, Buffer, plain object or array) before encoding.',
  ),
  REPL_VALUE_INVALID: entry(
    'An encoded value is malformed',
    'The producer wrote a value that is not in the documented wire encoding; fix the producer.',
  ),
  REPL_CLI_USAGE: entry(
    'The command line is invalid',
    'Run the command with --help to see its usage.',
  ),
  REPL_NOT_IMPLEMENTED: entry(
    'This feature is not implemented yet',
    'Use a supported alternative or follow the linked issue.',
  ),
  REPL_CONNECT_FAILED: entry(
    'A database or service could not be reached',
    'Check host, port, network access and TLS settings of the named endpoint.',
  ),
  REPL_AUTH_FAILED: entry(
    'Authentication was rejected',
    'Check the user name and password (URL, PGPASSFILE or environment) for the named endpoint.',
  ),
  // validate (issue 4)
  REPL_VALIDATE_QUERY_FAILED: entry(
    'Validate could not read what it checks from a server',
    'Run validate again; if it fails the same way, check the named server (is it a standby or a fork without the standard catalogs?) and report the message.',
  ),
  // native init / sync (issue 4)
  REPL_NATIVE_SAME_DATABASE: entry(
    'Source and target are the same database',
    'Point the target at another database; replicating a database into itself would overwrite the data it reads.',
  ),
  REPL_NATIVE_KEYLESS_TABLE: entry(
    'Tables without a key cannot be replicated',
    'Add a primary key, set REPLICA IDENTITY FULL (or USING INDEX), exclude the tables, or list them as schema-only tables.',
  ),
  REPL_NATIVE_ROW_FILTER_UNSUPPORTED: entry(
    'A row filter cannot be used for native replication',
    'Use a PostgreSQL 15 or later source and write row filters with columns, constants and immutable operators only; use a time filter for windows relative to now.',
  ),
  REPL_NATIVE_REPLICA_IDENTITY: entry(
    'A row filter reads columns outside the replica identity',
    'Run the ALTER TABLE ... REPLICA IDENTITY FULL statement shown, or run init again with -y to let it do that.',
  ),
  REPL_NATIVE_FOREIGN_KEY_OUTSIDE: entry(
    'A selected table references a table that is not selected',
    'Include the referenced table with its rows, or leave the referencing table out.',
  ),
  REPL_NATIVE_TARGET_NOT_EMPTY: entry(
    'The target already has tables this run would create',
    'Drop them, use an empty target database, or run init with --drop-existing to replace them.',
  ),
  REPL_NATIVE_TOOL_FAILED: entry(
    'A PostgreSQL client program failed',
    'Read the quoted output; install pg_dump, pg_restore, pg_dumpall and psql at least as new as both servers.',
  ),
  REPL_NATIVE_SLOT_FAILED: entry(
    'The replication slot could not be created',
    'Set wal_level = logical on the source, free a slot or raise max_replication_slots and max_wal_senders, and give the user the REPLICATION attribute.',
  ),
  REPL_NATIVE_PUBLICATION_FAILED: entry(
    'The publication could not be created',
    'Connect to the source as the owner of the tables (or a superuser) with CREATE on the database.',
  ),
  REPL_NATIVE_SUBSCRIPTION_FAILED: entry(
    'The subscription could not be created or did not start',
    'Connect to the target as a superuser, and make sure the target server can reach the source with the host and credentials of the source URL.',
  ),
  REPL_NATIVE_SLOT_LOST: entry(
    'The replication slot of an initialised target is gone',
    'Run init --enable-sync again (the changes since the slot was lost cannot be recovered).',
  ),
  REPL_NATIVE_NOT_INITIALISED: entry(
    'The target was not initialised from this source',
    'Run init --enable-sync with the same source and target first.',
  ),
  REPL_NATIVE_CHECKPOINT_INVALID: entry(
    'The checkpoint file cannot be used',
    'Delete the named checkpoint file and run init again; with --drop-existing it replaces what the interrupted run restored.',
  ),
  REPL_NATIVE_RUN_IN_PROGRESS: entry(
    'Another run of the same job is in progress',
    'Wait for the other run to finish or stop it, then run the command again.',
  ),
  REPL_NATIVE_NOTHING_SELECTED: entry(
    'The filters select no table to replicate',
    'Check --include-tables, --exclude-tables and the [databases] sections of the config file.',
  ),
  // status / cutover of native replication (issue 4)
  REPL_REPLICATION_QUERY_FAILED: entry(
    'A statement on replication state failed',
    'Check the privileges of the connecting roles: reading slots and walsender lag needs pg_monitor or superuser on the source, cutover needs superuser or the subscription owner on the target and REPLICATION on the source.',
  ),
  REPL_SUBSCRIPTION_NOT_FOUND: entry(
    'The target database has no subscription',
    'Run init --enable-sync for this source and target first, or point --target at the database that holds the subscription.',
  ),
  REPL_SUBSCRIPTION_BROKEN: entry(
    'A subscription cannot catch up',
    'Follow the fix in the message: point --source at the publisher database, or drop the subscription and run init --enable-sync again.',
  ),
  REPL_SUBSCRIPTION_STILL_RUNNING: entry(
    'A disabled subscription still has running workers',
    'Check the target server log for a worker stuck applying a large transaction, wait for it, and run cutover again.',
  ),
  REPL_CUTOVER_TIMEOUT: entry(
    'Replication did not catch up in time',
    'Stop writes on the source, check status for a slow or failing subscription, then run cutover again with a longer --wait-timeout or a --max-lag bound.',
  ),
  REPL_SLOT_DROP_FAILED: entry(
    'A replication slot could not be dropped',
    'Find the process holding the slot (pg_replication_slots.active_pid on the source), stop it, and drop the slot with pg_drop_replication_slot.',
  ),
  // verify (issue 4)
  REPL_VERIFY_QUERY_FAILED: entry(
    'A verify statement failed on a server',
    'Check that the connecting role can SELECT every verified table on both sides and that the named server is up, then run verify again.',
  ),
  // bus: Kafka and in-process (issue 5)
  REPL_BUS_TOPIC_NOT_FOUND: entry(
    'A bus topic does not exist',
    'Create the topic first (ensureTopics); topics are never created on the fly.',
  ),
  REPL_BUS_TOPIC_MISMATCH: entry(
    'A bus topic exists with fewer partitions than configured',
    'Raise the partition count of the topic to the configured count, or configure the count it has.',
  ),
  REPL_BUS_MESSAGE_TOO_LARGE: entry(
    'A message is larger than a bus partition can hold',
    'Raise the bus byte bound (maxBytes per partition) or send smaller messages.',
  ),
  REPL_BUS_SEND_FAILED: entry(
    'The bus did not accept a message',
    'Check that the brokers are up and reachable and that the topic is writable, then retry; nothing after the failed send was written.',
  ),
  REPL_BUS_COMMIT_FAILED: entry(
    'A consumer offset could not be committed',
    'The partition was reassigned to another member of the group or the broker is unreachable; process again from the last committed offset.',
  ),
  REPL_BUS_CLOSED: entry(
    'The bus, producer or consumer is closed',
    'Create a new one; a closed bus client cannot be reused.',
  ),
  // target writer (issue 5)
  REPL_WRITER_MIGRATION_FAILED: entry(
    'The _replicator schema could not be migrated',
    'Check that the connecting role may CREATE in the target database and read the server message; then start the loader again (applied files are not re-run).',
  ),
  REPL_WRITER_EVENT_INVALID: entry(
    'A change event cannot be applied as it is',
    'Check that the configured key columns match the source table primary key and that offsets are decimal strings; the event goes to the dead-letter topic.',
  ),
  REPL_WRITER_TARGET_TABLE_INVALID: entry(
    'The target table does not match the change events',
    'Create the target table, or add the missing columns, so that it has every column the source sends and a primary key or unique index on the key columns.',
  ),
  REPL_WRITER_APPLY_FAILED: entry(
    'A batch of changes could not be applied to the target',
    'Read the server message (constraint, type or permission error), fix the target table or the value, then restart: the batch was rolled back and will be applied again.',
  ),
  // loader (pipeline)
  REPL_LOADER_TABLE_UNKNOWN: entry(
    'The loader does not know the key columns of a change event table',
    'Include the table in the replication plan (or create it on the target with a primary key) and restart; the event went to the dead-letter topic.',
  ),
  // job state and coordinator (issue 5)
  REPL_JOB_LEASE_LOST: entry(
    'A snapshot worker no longer holds the table it saves progress for',
    'Nothing to repair: the worker holding the table now continues from the last saved progress; raise the lease (leaseMs) if a worker takes longer than it between two saves.',
  ),
  REPL_JOB_TABLE_UNKNOWN: entry(
    'A job call names a table the job has not registered',
    "Register the job's tables before claiming, saving progress or setting a phase, and check the job id and table name.",
  ),
  REPL_JOB_STATE_INVALID: entry(
    'Stored job state is malformed',
    "The row in the target's _replicator schema was written by an incompatible version or edited by hand; delete the named job's rows there and run the job again.",
  ),
  REPL_JOB_QUERY_FAILED: entry(
    'A job state statement failed on the target',
    "Check that the target is up and that the connecting role may write the _replicator schema and create the job's schemas, tables and indexes; read the server message.",
  ),
  REPL_JOB_NOT_FOUND: entry(
    'The job does not exist',
    'Check the job id; GET /jobs on the coordinator lists the known jobs.',
  ),
  REPL_COORDINATOR_UNAVAILABLE: entry(
    'The coordinator did not answer',
    'Check that the coordinator runs and uses the same NATS server and subject prefix; the call can be retried.',
  ),
  REPL_COORDINATOR_MESSAGE_INVALID: entry(
    'A coordinator request or reply is malformed',
    'Run the same version of database-replicator in the coordinator and in every extractor.',
  ),
  REPL_COORDINATOR_ID_INVALID: entry(
    'A job or extractor id cannot be used in a NATS subject',
    'Use ids made of letters, digits, "-" and "_" only.',
  ),
  REPL_COORDINATOR_STORE_FAILED: entry(
    "The coordinator's job store failed",
    "Read the coordinator's log for the underlying error, fix it, and retry the call.",
  ),
  // PostgreSQL source of the pipeline (issue 5, libs/source-postgres)
  REPL_SOURCE_KEYLESS_TABLE: entry(
    'A selected table has no key the pipeline can use',
    'Add a primary key or set REPLICA IDENTITY USING INDEX on a unique index over NOT NULL columns, or leave the table out with --exclude-tables.',
  ),
  REPL_SOURCE_QUERY_FAILED: entry(
    'A statement on the source database failed',
    'Read the server message; check that the connecting role may read the selected tables and the catalog, and that the source is up.',
  ),
  REPL_SOURCE_STREAM_FAILED: entry(
    'The change stream of the source broke',
    'Read the server message and restart the extractor: it resumes from its last checkpoint and nothing after it is lost.',
  ),
  REPL_SOURCE_SLOT_MISSING: entry(
    'The replication slot or publication of the job is missing on the source',
    'Run the job again from the start (a fresh snapshot): the changes since the slot or publication was dropped cannot be recovered.',
  ),
  REPL_SOURCE_ENCODING_UNSUPPORTED: entry(
    'The source database is not UTF8-encoded',
    'Replicate a UTF8 database, or use native replication (init without --via pipeline), which converts encodings.',
  ),
  // SQLite source (issue 8, libs/source-sqlite)
  REPL_SQLITE_OPEN_FAILED: entry(
    'The SQLite source file cannot be opened',
    'Check that the file exists, is a SQLite database and is readable (and writable for change capture) by the current user.',
  ),
  REPL_SQLITE_QUERY_FAILED: entry(
    'A statement on the SQLite source failed',
    'Read the SQLite message; SQLITE_BUSY means a writer held the lock longer than busyTimeoutMs, so raise it or retry.',
  ),
  REPL_SQLITE_READ_ONLY: entry(
    'Change capture needs write access to the SQLite file',
    'Give the replicator write access to the file and its directory; a refresh mode for read-only sources is not available yet.',
  ),
  REPL_SQLITE_TABLE_UNSUPPORTED: entry(
    'A SQLite table cannot be replicated',
    'Rename the conflicting column or add a primary key to the table, or leave it out with --exclude-tables.',
  ),
  REPL_SQLITE_FILTER_UNSUPPORTED: entry(
    'Row and time filters are not supported for SQLite sources',
    'Remove the --table-filter and --time-filter options for this SQLite source; table selection works.',
  ),
  REPL_SQLITE_VALUE_INVALID: entry(
    "A SQLite value does not fit its column's PostgreSQL type",
    'Correct the value in the source (docs/type-mapping.md lists what each declared type accepts), then restart the extractor.',
  ),
  REPL_SQLITE_CHANGELOG_INVALID: entry(
    'A changelog row of the SQLite source cannot be read',
    'Only the capture triggers may write _dr_changelog; remove capture, install it again and run the job from the start.',
  ),
  REPL_SQLITE_CHANGELOG_GAP: entry(
    'The SQLite changelog no longer holds changes the stream needs',
    'The CLI copies the tables again by itself, emptying their target tables first; an extractor service, which cannot wait for the loader, stops: run the job again from the start. Give each SQLite source file one job, since a job prunes what it acknowledged.',
  ),
  REPL_SQLITE_CAPTURE_MISSING: entry(
    'Change capture is not installed in the SQLite source',
    'The CLI copies the tables again by itself, which installs capture again; an extractor service stops: run the job again from the start. Changes made while capture was removed cannot be recovered otherwise.',
  ),
  REPL_SQLITE_SCHEMA_CHANGED: entry(
    'A SQLite table changed after change capture was installed',
    'Run the job again from the start, which re-creates the triggers and the target table from the current columns.',
  ),
  // MySQL/MariaDB source (issue 6, libs/source-mysql)
  REPL_MYSQL_KEYLESS_TABLE: entry(
    'A selected MySQL table has no primary key and no unique key over NOT NULL columns',
    'Add a primary key or a unique key over NOT NULL columns, or leave the table out with --exclude-tables.',
  ),
  REPL_MYSQL_QUERY_FAILED: entry(
    'A statement on the MySQL source failed',
    'Read the server message; check that the user may SELECT the selected tables and information_schema, has REPLICATION CLIENT, and that the server is up.',
  ),
  REPL_MYSQL_TYPE_UNSUPPORTED: entry(
    'A MySQL column type has no PostgreSQL mapping',
    'Leave the table out with --exclude-tables, or change the column to a type docs/type-mapping.md lists.',
  ),
  REPL_MYSQL_VALUE_OUT_OF_RANGE: entry(
    'A MySQL value does not fit its PostgreSQL column type',
    'For TIME values outside 00:00:00 to 24:00:00 set the source option timeType to interval and run the job again from the start.',
  ),
  REPL_MYSQL_BINLOG_UNAVAILABLE: entry(
    'The binlog of the MySQL source cannot be streamed',
    'Turn on log_bin with binlog_format = ROW and binlog_row_image = FULL (validate prints the exact settings), then run the job again.',
  ),
  REPL_MYSQL_STREAM_FAILED: entry(
    'The binlog stream of the MySQL source broke',
    'Read the server message and restart the extractor: it resumes from its last checkpoint. If the binlog it needs was purged, raise binlog retention and run the job again from the start.',
  ),
  REPL_BUS_TOPIC_NOT_READY: entry(
    'Kafka topics have partitions without a leader',
    'Check that the Kafka brokers are up and can elect leaders (broker logs), then run the job again.',
  ),
  // metrics and status (issue 7)
  REPL_METRIC_INVALID: entry(
    'A metric was registered with an invalid or duplicate name',
    'A programming error in the service that registers the metric: give it a unique name of letters, digits, "_" and ":" and valid label names.',
  ),
  // MongoDB source (issue 8)
  REPL_MONGO_QUERY_FAILED: entry(
    'A command on the MongoDB source failed',
    'Read the server message in the error: check that the source is reachable and that the user may run find, listCollections and (for change streams) changeStream on the selected databases.',
  ),
  REPL_MONGO_VALUE_UNSUPPORTED: entry(
    'A MongoDB document holds a value the target cannot store',
    'Remove the NUL characters from the document, or leave the collection out of the replication.',
  ),
  REPL_MONGO_FILTER_UNSUPPORTED: entry(
    'Row and time filters are not supported for MongoDB sources',
    'Remove the table_filters and time_filters entries that name MongoDB collections; include or exclude whole collections instead.',
  ),
  REPL_MONGO_STREAM_UNSUPPORTED: entry(
    'The MongoDB source has no change streams',
    'Change streams need a replica set or a sharded cluster: use the refresh mode (mode auto or refresh), or convert the standalone server to a one-member replica set.',
  ),
  REPL_MONGO_HISTORY_LOST: entry(
    'The MongoDB change stream cannot resume: its resume point left the oplog',
    'The changes since the last checkpoint are gone from the oplog. The CLI copies the collections again by itself, emptying their target tables first; an extractor service, which cannot wait for the loader, stops: run the job again from the start. Size the oplog for the longest extractor outage.',
  ),
  REPL_MONGO_STREAM_INVALIDATED: entry(
    'A replicated MongoDB collection was dropped or renamed',
    'The change stream ended because a collection or database it follows was dropped or renamed: run the job again from the start.',
  ),
  REPL_MONGO_REFRESH_STATE_MISSING: entry(
    'The refresh state of a MongoDB source is missing',
    'The refresh state directory lost the files of the checkpointed refresh cycle (a new machine or a cleaned temp directory). The CLI copies the collections again by itself, emptying their target tables first; an extractor service stops: put refreshStateDir on storage that survives restarts and run the job again from the start.',
  ),
  REPL_SOURCE_DDL_UNSUPPORTED: entry(
    'DDL the replication cannot follow stopped a table',
    'The statement (quoted in the message) changed the table in a way the stream cannot apply to the target (only ADD, DROP and RENAME COLUMN are followed): apply the same change to the target table by hand and snapshot the table again, or run the job again from the start; the other tables keep streaming.',
  ),
  REPL_SQLITE_REFRESH_STATE_MISSING: entry(
    'The refresh state of a SQLite source is missing',
    'The refresh state directory lost the files of the checkpointed refresh cycle (a new machine or a cleaned temp directory): put refreshStateDir on storage that survives restarts and run the job again from the start.',
  ),
  // MySQL/MariaDB lost binlog history (issue 6)
  REPL_MYSQL_BINLOG_PURGED: entry(
    'The binlog the MySQL stream resumes from was purged',
    'The changes since the last checkpoint are gone from the server (PURGE BINARY LOGS or binlog expiry). The CLI copies the tables again by itself, emptying their target tables first; an extractor service, which cannot wait for the loader, stops: run the job again from the start. Keep binlogs (binlog_expire_logs_seconds) longer than the longest extractor outage.',
  ),
  // CLI start-up: drivers and commands are loaded when a run needs them (issues 5-8 performance)
  REPL_MODULE_LOAD_FAILED: entry(
    'A part of database-replicator could not be loaded',
    'The installation is incomplete, or a native driver (better-sqlite3) was built for another Node.js version: run npm ci and npm run build (or reinstall the package) with the Node.js that runs the command, then run it again.',
  ),
});

/** A stable error code, `REPL_<AREA>_<WHAT>`; the keys of {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * Non-secret context of an error: the table, key, config key, host... never a password, URL
 * with credentials or row data. String values are passed through {@link redactText} anyway.
 */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/** Options of {@link ReplicatorError} and {@link replicatorError}. */
export type ReplicatorErrorOptions = Readonly<{
  /** How to fix it, one sentence; defaults to the catalogue's fix for the code. */
  fix?: string;
  /** Non-secret context; frozen. */
  details?: ErrorDetails;
  /** The underlying error; kept as is, never stringified. */
  cause?: unknown;
}>;

/**
 * The one error type libs throw. `code` is stable and documented in docs/errors.md; `message`
 * says what and where; `fix` says how to fix it. Message, fix and string details are passed
 * through {@link redactText}, so a credential that slips into them is still hidden.
 */
export class ReplicatorError extends Error {
  override readonly name = 'ReplicatorError';
  /** Stable code from {@link ERROR_CATALOGUE}; branch on this, never on the message. */
  readonly code: ErrorCode;
  /** How to fix it, one sentence. */
  readonly fix: string;
  /** Non-secret context (table, configKey, host...), frozen; `undefined` if none. */
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: ReplicatorErrorOptions = {}) {
    super(redactText(message), 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.fix = redactText(options.fix ?? ERROR_CATALOGUE[code].fix);
    this.details = options.details === undefined ? undefined : redactDetails(options.details);
  }

  /** The JSON form for `--json` output: code, message, fix, details; never `cause` or `stack`. */
  toJSON(): Readonly<{ code: ErrorCode; message: string; fix: string; details?: ErrorDetails }> {
    const base = { code: this.code, message: this.message, fix: this.fix };
    return this.details === undefined ? base : { ...base, details: this.details };
  }
}

/**
 * Creates a {@link ReplicatorError}.
 *
 * @param code - A catalogued code.
 * @param message - What went wrong and where (table, key, host); never a secret.
 * @param options - `fix` (default: the catalogue's), `details`, `cause`.
 */
export function replicatorError(
  code: ErrorCode,
  message: string,
  options?: ReplicatorErrorOptions,
): ReplicatorError {
  return new ReplicatorError(code, message, options);
}

/**
 * True if `value` is a {@link ReplicatorError}, optionally with the given code.
 * Uses `instanceof`, so it holds only within one copy of this package.
 */
export function isReplicatorError(value: unknown, code?: ErrorCode): value is ReplicatorError {
  return value instanceof ReplicatorError && (code === undefined || value.code === code);
}

/** True if `value` is a catalogued {@link ErrorCode}. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, value);
}

function entry(title: string, fix: string): ErrorCatalogueEntry {
  return Object.freeze({ title, fix });
}

function redactDetails(details: ErrorDetails): ErrorDetails {
  const copy: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details)) {
    copy[key] = typeof value === 'string' ? redactText(value) : value;
  }
  return Object.freeze(copy);
}
