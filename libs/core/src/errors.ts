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
