import { z } from 'zod';
import { deepFreeze } from './deep-freeze.js';
import { replicatorError } from './errors.js';
import { formatIssuePath } from './issue-path.js';
import { sourcePositionSchema, type SourcePosition } from './position.js';
import { schemaChangeSchema, type SchemaChange } from './schema-change.js';
import { isJsonValue, type JsonValue } from './values.js';

/**
 * The change event: Debezium's JSON envelope with schemas disabled (ARCHITECTURE §3), so
 * Debezium consumers read our topics. Values are encoded with `encodeValue` (lossless).
 * Unknown fields are dropped on parse (tolerant reader): a newer producer may add fields
 * without sending every older consumer's messages to the dead-letter topic.
 */

/**
 * `c` create, `u` update, `d` delete, `r` read (snapshot), `t` truncate, as in Debezium; `s` a
 * schema change of the table (ours: Debezium sends DDL to a separate schema-change topic, which
 * cannot keep it in order with the rows).
 */
export type ChangeOperation = 'c' | 'u' | 'd' | 'r' | 't' | 's';

/** Debezium connector names; each implies one position kind. */
export type ConnectorName = 'postgresql' | 'mysql' | 'mongodb' | 'sqlite';

/** A row: column name → encoded value. */
export type ChangeRow = Readonly<Record<string, JsonValue>>;

/** The primary-key columns of a row; the message key, so a row's events share a partition. */
export type ChangeKey = Readonly<Record<string, JsonValue>>;

/** The `source` block: where and when the change happened. */
export type ChangeSource = Readonly<{
  connector: ConnectorName;
  /** The source's configured name (second topic segment). */
  name: string;
  db: string;
  /** `null` for MySQL/MariaDB and MongoDB, which have no schema level below the database. */
  schema: string | null;
  table: string;
  /** `'true'` during a snapshot, `'last'` on its final row, `'false'` when streaming. */
  snapshot: 'true' | 'false' | 'last';
  position: SourcePosition;
  /** When the source committed the change, Unix epoch milliseconds. */
  ts_ms: number;
}>;

/** A validated, frozen change event. */
export type ChangeEvent = Readonly<{
  before: ChangeRow | null;
  after: ChangeRow | null;
  source: ChangeSource;
  op: ChangeOperation;
  /** When the event was produced, Unix epoch milliseconds. */
  ts_ms: number;
  /**
   * Columns the source did not send (PostgreSQL unchanged TOAST values); only on `u`. The loader
   * leaves them untouched; they never appear in `after`.
   */
  unchanged_columns?: readonly string[];
  /** The schema change; present exactly when op is `s`. */
  schema_change?: SchemaChange;
}>;

const POSITION_KIND_BY_CONNECTOR = Object.freeze({
  postgresql: 'postgres',
  mysql: 'mysql',
  mongodb: 'mongodb',
  sqlite: 'sqlite',
} as const satisfies Record<ConnectorName, SourcePosition['kind']>);

const jsonValueSchema = z.custom<JsonValue>((value) => isJsonValue(value), {
  error: 'expected a JSON value (null, boolean, finite number, string, array or plain object)',
});

const rowSchema = z.record(z.string(), jsonValueSchema);

/** Zod schema of {@link ChangeKey}: the primary-key columns as a JSON object. */
export const changeKeySchema = rowSchema;

/** Zod schema of {@link ChangeSource}. */
export const changeSourceSchema = z.object({
  connector: z.enum(['postgresql', 'mysql', 'mongodb', 'sqlite']),
  name: z.string().min(1),
  db: z.string(),
  schema: z.string().min(1).nullable(),
  table: z.string().min(1),
  snapshot: z.enum(['true', 'false', 'last']),
  position: sourcePositionSchema,
  ts_ms: z.int().nonnegative(),
});

const eventObjectSchema = z.object({
  before: rowSchema.nullable(),
  after: rowSchema.nullable(),
  source: changeSourceSchema,
  op: z.enum(['c', 'u', 'd', 'r', 't', 's']),
  ts_ms: z.int().nonnegative(),
  unchanged_columns: z.array(z.string().min(1)).optional(),
  schema_change: schemaChangeSchema.optional(),
});

/** What the cross-field rules read of an event, parsed or assembled. */
type CheckedEvent = Readonly<{
  before: ChangeRow | null;
  after: ChangeRow | null;
  source: Readonly<Pick<ChangeSource, 'connector' | 'schema' | 'position'>>;
  op: ChangeOperation;
  unchanged_columns?: readonly string[] | undefined;
  schema_change?: SchemaChange | undefined;
}>;

/** Which row images each operation carries (Debezium's shapes). */
const ROW_RULES: Readonly<
  Record<ChangeOperation, Readonly<{ before: boolean | 'optional'; after: boolean }>>
> = Object.freeze({
  c: { before: false, after: true },
  r: { before: false, after: true },
  // `before` depends on the source table's replica identity, so it may be absent.
  u: { before: 'optional', after: true },
  d: { before: true, after: false },
  t: { before: false, after: false },
  s: { before: false, after: false },
});

/**
 * Zod schema of {@link ChangeEvent}, including the cross-field rules: `c`/`r` carry `after` and
 * no `before`; `u` carries `after`; `d` carries `before` and no `after`; `t` and `s` carry
 * neither; `schema_change` exactly on `s`; `unchanged_columns` only on `u`, unique, none of them in `after`; the position kind matches
 * the connector; only MySQL and MongoDB events may have a null schema.
 */
export const changeEventSchema = eventObjectSchema.superRefine((event, ctx) => {
  for (const problem of crossFieldProblems(event)) ctx.addIssue({ code: 'custom', ...problem });
});

type Problem = { path: (string | number)[]; message: string };

/**
 * The rules of {@link changeEventSchema} that span fields, for events assembled from parts that
 * were validated on their own (change chunks): each problem with its path in the event.
 */
export function changeEventProblems(event: CheckedEvent): readonly Problem[] {
  return crossFieldProblems(event);
}

function crossFieldProblems(event: CheckedEvent): Problem[] {
  const problems: Problem[] = [];
  const { op, before, after, source } = event;
  const needs = ROW_RULES[op];
  if (needs.before !== 'optional' && needs.before !== (before !== null)) {
    problems.push({
      path: ['before'],
      message: `must be ${needs.before ? 'an object' : 'null'} when op is '${op}'`,
    });
  }
  if (needs.after !== (after !== null)) {
    problems.push({
      path: ['after'],
      message: `must be ${needs.after ? 'an object' : 'null'} when op is '${op}'`,
    });
  }
  problems.push(...unchangedColumnProblems(event));
  if ((op === 's') !== (event.schema_change !== undefined)) {
    problems.push({
      path: ['schema_change'],
      message: op === 's' ? `must be set when op is 's'` : `is only allowed when op is 's'`,
    });
  }
  if (POSITION_KIND_BY_CONNECTOR[source.connector] !== source.position.kind) {
    problems.push({
      path: ['source', 'position', 'kind'],
      message: `must be '${POSITION_KIND_BY_CONNECTOR[source.connector]}' for connector '${source.connector}'`,
    });
  }
  if (
    source.schema === null &&
    (source.connector === 'postgresql' || source.connector === 'sqlite')
  ) {
    problems.push({
      path: ['source', 'schema'],
      message: `must be set for connector '${source.connector}'`,
    });
  }
  return problems;
}

function unchangedColumnProblems(event: CheckedEvent): Problem[] {
  const columns = event.unchanged_columns;
  if (columns === undefined) return [];
  if (event.op !== 'u')
    return [{ path: ['unchanged_columns'], message: `is only allowed when op is 'u'` }];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  columns.forEach((column, index) => {
    if (seen.has(column))
      problems.push({ path: ['unchanged_columns', index], message: `lists "${column}" twice` });
    else if (event.after !== null && Object.hasOwn(event.after, column)) {
      problems.push({
        path: ['unchanged_columns', index],
        message: `names "${column}", which is also present in after`,
      });
    }
    seen.add(column);
  });
  return problems;
}

/**
 * Validates a value read from the bus (already JSON-parsed) and returns it frozen.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` naming each failing field path; the message never
 *   contains row values.
 */
export function parseChangeEvent(value: unknown): ChangeEvent {
  const result = changeEventSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${formatIssuePath(issue.path) || 'event'}: ${issue.message}`,
    );
    throw replicatorError('REPL_EVENT_INVALID', `Invalid change event: ${problems.join('; ')}`, {
      cause: result.error,
      details: { path: formatIssuePath(result.error.issues[0]?.path ?? []) },
    });
  }
  const { unchanged_columns: unchanged, schema_change: schemaChange, ...rest } = result.data;
  return deepFreeze({
    ...rest,
    ...(unchanged === undefined ? {} : { unchanged_columns: unchanged }),
    ...(schemaChange === undefined ? {} : { schema_change: schemaChange }),
  });
}

/** Serialises an event as the JSON message value. */
export function serializeChangeEvent(event: ChangeEvent): string {
  return JSON.stringify(event);
}

/**
 * Parses a JSON message value into a validated, frozen event.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` if `text` is not JSON or not a valid event.
 */
export function deserializeChangeEvent(text: string): ChangeEvent {
  return parseChangeEvent(parseMessageJson(text));
}

/**
 * A message value as parsed JSON.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` if `text` is not JSON.
 */
export function parseMessageJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw replicatorError(
      'REPL_EVENT_INVALID',
      `Change event is not valid JSON (${text.length} characters)`,
      { cause: error },
    );
  }
}
