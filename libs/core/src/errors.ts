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
