import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { isPlainObject } from './deep-freeze.js';
import { ReplicatorError } from './errors.js';
import { redactText } from './redact.js';
import { Secret } from './secret.js';

/** The project's logger: a pino logger. Libs take one and call `.child({ component, ... })`. */
export type Logger = PinoLogger;

/** Log levels, most to least severe; `silent` turns logging off. */
export const LOG_LEVELS = Object.freeze([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const);

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link createLogger}. */
export type LoggerOptions = Readonly<{
  /** Minimum level written. Default `'info'`. */
  level?: LogLevel;
  /** Where JSON lines go. Default: stderr (synchronous), so `--json` output on stdout stays clean. */
  destination?: DestinationStream;
  /** Value of the `name` field on every line. Default: none. */
  name?: string;
}>;

/** Replaces a secret-bearing field's value; pino's own redaction uses it too. */
const CENSOR = '[redacted]';

/** Keys whose values are secrets wherever they appear (compared lower-case). */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'token',
  'accesstoken',
  'access_token',
  'refreshtoken',
  'refresh_token',
  'apikey',
  'api_key',
  'authorization',
  'cookie',
  'connectionstring',
  'connection_string',
  'credentials',
  'privatekey',
  'private_key',
]);

/** Paths for pino's built-in redaction: a fast first line for the common shapes. */
const REDACT_PATHS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apiKey',
  'authorization',
  'connectionString',
].flatMap((key) => [key, `*.${key}`]);

/** Nesting beyond this is summarised; log fields are small by convention (never rows). */
const MAX_DEPTH = 8;

/**
 * Creates the root logger. Credentials are removed in layers, so none reaches the output:
 * - pino `redact` censors well-known secret keys (`password`, `*.password`, `token`, ...);
 * - `formatters.log` walks every field of a log call at any depth: secret-named keys are
 *   censored, strings pass through `redactText`, `Secret`s print `[redacted]`, errors are
 *   serialised by the `err` serializer;
 * - the `msg` serializer redacts the final message, after `%s` interpolation;
 * - the `err` serializer redacts message, stack, own fields and the `cause` chain;
 * - `hooks.streamWrite` re-checks each finished line. pino serialises `child()` bindings once,
 *   without `formatters.log`, so this is what covers them; lines without a credential pass
 *   unchanged (only lines that need it are re-parsed, keeping the common path cheap).
 *
 * @param options - level (default `'info'`), destination (default stderr), name.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: serializeError, msg: redactMessage },
      formatters: { log: (object) => sanitizeFields(object) },
      hooks: { streamWrite: redactLine },
    },
    destination,
  );
}

/** Final check of a JSON line; see {@link createLogger}. */
function redactLine(line: string): string {
  if (redactText(line) === line) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // Not JSON (a custom destination format): redacting the raw text is the best available.
    return redactText(line);
  }
  return `${JSON.stringify(sanitize(parsed, 0, new Set()))}\n`;
}

function redactMessage(message: unknown): unknown {
  return typeof message === 'string' ? redactText(message) : sanitize(message, 0, new Set());
}

function sanitizeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const result = sanitize(fields, 0, new Set());
  return isPlainObject(result) ? result : {};
}

/** Returns a copy of `value` safe to log; see {@link createLogger}. */
function sanitize(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Secret) return CENSOR;
  if (value instanceof Error) return serializeErrorAt(value, depth, ancestors);
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  ancestors.add(value);
  try {
    return sanitizeObject(value, depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function sanitizeObject(value: object, depth: number, ancestors: Set<object>): unknown {
  if (Array.isArray(value))
    return value.map((item: unknown) => sanitize(item, depth + 1, ancestors));
  const toJSON: unknown = Reflect.get(value, 'toJSON');
  // Follow JSON.stringify: an object with toJSON (Date, Buffer, Decimal128) logs as its result.
  if (typeof toJSON === 'function') return sanitize(toJSON.call(value), depth + 1, ancestors);
  if (value instanceof Map || value instanceof Set)
    return `[${value.constructor.name} of ${value.size}]`;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSecretKey(key) ? CENSOR : sanitize(item, depth + 1, ancestors);
  }
  return copy;
}

function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SECRET_KEYS.has(lower) || lower.endsWith('password') || lower.endsWith('secret');
}

/** The `err` serializer; also applied to errors found anywhere in a log call's fields. */
function serializeError(value: unknown): unknown {
  return value instanceof Error
    ? serializeErrorAt(value, 0, new Set())
    : sanitize(value, 0, new Set());
}

function serializeErrorAt(error: Error, depth: number, ancestors: Set<object>): unknown {
  if (ancestors.has(error)) return '[Circular]';
  if (depth >= MAX_DEPTH) return `[${error.name}]`;
  ancestors.add(error);
  try {
    const out: Record<string, unknown> = { type: error.name, message: redactText(error.message) };
    if (error.stack !== undefined) out['stack'] = redactText(error.stack);
    if (error instanceof ReplicatorError)
      Object.assign(out, { code: error.code, fix: error.fix, details: error.details });
    // Driver errors carry context as own fields (pg: code, detail, table; mysql2: errno, sqlState).
    for (const [key, item] of Object.entries(error)) {
      if (key !== 'name' && !(key in out))
        out[key] = isSecretKey(key) ? CENSOR : sanitize(item, depth + 1, ancestors);
    }
    if (error.cause !== undefined) out['cause'] = sanitize(error.cause, depth + 1, ancestors);
    if (error instanceof AggregateError)
      out['errors'] = sanitize(error.errors, depth + 1, ancestors);
    return out;
  } finally {
    ancestors.delete(error);
  }
}
