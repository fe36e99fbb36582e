/**
 * Change chunks: many streamed change events of one table and one partition in one bus message
 * (ARCHITECTURE §3 allows chunk messages beside the Debezium-compatible per-event form, which
 * remains available). Measured need: a Kafka client spends about 45 µs encoding and 20 µs
 * decoding each record whatever its size, more than the rest of an event's trip; a chunk pays
 * that once for hundreds of events, and states the table's source block once.
 *
 * Every event of a chunk belongs to the partition of the chunk's key and the events keep their
 * order, so a row's history stays in one partition, in order, exactly as with per-event
 * messages. The events share the message's offset: the loader applies a chunk whole (or, when
 * the target refuses some events, all the others and dead-letters those, see run-loader.ts).
 *
 * Shape: `{ "change_chunk": { "connector", "name", "db", "schema", "table" }, "events": [ { "op":
 * "c"|"u"|"d", "ts_ms": n, "source_ts_ms": n, "position": {…}, "before": {…}|null, "after":
 * {…}|null, "unchanged_columns"?: […] }, … ] }`: each event as in its own message, its source
 * block split into the shared part and its own position and commit time. Row values come from
 * `JSON.parse`, so they are JSON values by construction; the schema checks the structure and the
 * events' cross-field rules, not every value again.
 */
import { z } from 'zod';
import { isPlainObject } from './deep-freeze.js';
import { replicatorError } from './errors.js';
import { formatIssuePath } from './issue-path.js';
import {
  changeEventProblems,
  type ChangeEvent,
  type ChangeRow,
  type ChangeSource,
} from './envelope.js';
import { exactSourcePosition, isCount, sourcePositionSchema } from './position.js';

/** The source block every event of a chunk shares. */
export type ChangeChunkSource = Readonly<
  Pick<ChangeSource, 'connector' | 'name' | 'db' | 'schema' | 'table'>
>;

/** Operations a chunk carries: streamed row changes (schema changes and truncates travel alone). */
const CHUNK_OPERATIONS = new Set(['c', 'u', 'd']);

/** True if `event` may travel in a change chunk: a streamed insert, update or delete. */
export function isChunkableEvent(event: ChangeEvent): boolean {
  return CHUNK_OPERATIONS.has(event.op) && event.source.snapshot === 'false';
}

// Rows come from JSON.parse: plain objects of JSON values by construction.
const parsedRow = z.custom<ChangeRow>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { error: 'expected an object' },
);

const chunkSchema = z.object({
  change_chunk: z.object({
    connector: z.enum(['postgresql', 'mysql', 'mongodb', 'sqlite']),
    name: z.string().min(1),
    db: z.string(),
    schema: z.string().min(1).nullable(),
    table: z.string().min(1),
  }),
  events: z
    .array(
      z.object({
        op: z.enum(['c', 'u', 'd']),
        ts_ms: z.int().nonnegative(),
        source_ts_ms: z.int().nonnegative(),
        position: sourcePositionSchema,
        before: parsedRow.nullable(),
        after: parsedRow.nullable(),
        unchanged_columns: z.array(z.string().min(1)).optional(),
      }),
    )
    .min(1),
});

/** True if a parsed message value is a change chunk (it has `change_chunk`). */
export function isChangeChunkValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'change_chunk' in value;
}

/**
 * The events of a parsed change chunk, validated, each with its full source block. Events, their
 * source blocks and rows are frozen; values inside rows (json columns) are left as parsed.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` naming the first problem.
 */
export function parseChangeChunk(value: unknown): readonly ChangeEvent[] {
  return exactChunkEvents(value) ?? parseChunkWithSchema(value);
}

const CONNECTORS: ReadonlySet<unknown> = new Set(['postgresql', 'mysql', 'mongodb', 'sqlite']);

/**
 * The events of a chunk that passes every check of {@link chunkSchema}, built as the schema path
 * builds them; `undefined` for anything else, which then takes the schema path (and its error).
 * Measured on 250,000 events in 500-event chunks: decoding took 2.3 s through the schema (with
 * spread-built events), 0.55 s so, 0.45 s of it `JSON.parse`.
 */
function exactChunkEvents(value: unknown): readonly ChangeEvent[] | undefined {
  if (!isPlainObject(value)) return undefined;
  const { change_chunk: block, events } = value;
  if (!isPlainObject(block) || !Array.isArray(events) || events.length === 0) return undefined;
  const { connector, name, db, schema, table } = block;
  if (
    !CONNECTORS.has(connector) ||
    !isName(name) ||
    typeof db !== 'string' ||
    !(schema === null || isName(schema)) ||
    !isName(table)
  ) {
    return undefined;
  }
  const shared = { connector, name, db, schema, table } as ChangeChunkSource;
  const built: ChangeEvent[] = [];
  for (const item of events) {
    if (!isPlainObject(item)) return undefined;
    const { op, ts_ms, source_ts_ms, before, after, unchanged_columns: unchanged } = item;
    if (!CHUNK_OPERATIONS.has(op as string) || !isCount(ts_ms) || !isCount(source_ts_ms)) {
      return undefined;
    }
    if (!isRowOrNull(before) || !isRowOrNull(after)) return undefined;
    if (unchanged !== undefined && !(Array.isArray(unchanged) && unchanged.every(isName))) {
      return undefined;
    }
    const position = exactSourcePosition(item['position']);
    if (position === undefined) return undefined;
    const event = chunkEvent(shared, {
      op: op as 'c' | 'u' | 'd',
      ts_ms: ts_ms as number,
      source_ts_ms: source_ts_ms as number,
      position,
      before,
      after,
      ...(unchanged === undefined ? {} : { unchanged_columns: unchanged as string[] }),
    });
    if (changeEventProblems(event).length > 0) return undefined;
    built.push(Object.freeze(event));
  }
  return Object.freeze(built);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isRowOrNull(value: unknown): value is ChangeRow | null {
  return value === null || isPlainObject(value);
}

type ChunkItem = z.output<typeof chunkSchema>['events'][number];

/** One event of a chunk with its full source block; rows and source frozen, the event not yet. */
function chunkEvent(shared: ChangeChunkSource, item: ChunkItem): ChangeEvent {
  // Literals of one shape, not spreads: this runs for every event of every chunk.
  const source: ChangeSource = Object.freeze({
    connector: shared.connector,
    name: shared.name,
    db: shared.db,
    schema: shared.schema,
    table: shared.table,
    snapshot: 'false',
    position: Object.freeze(item.position),
    ts_ms: item.source_ts_ms,
  });
  const event: ChangeEvent = {
    before: freezeRow(item.before),
    after: freezeRow(item.after),
    op: item.op,
    ts_ms: item.ts_ms,
    source,
  };
  if (item.unchanged_columns === undefined) return event;
  return { ...event, unchanged_columns: Object.freeze(item.unchanged_columns) };
}

function parseChunkWithSchema(value: unknown): readonly ChangeEvent[] {
  const result = chunkSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${formatIssuePath(issue.path) || 'chunk'}: ${issue.message}`,
    );
    throw invalid(problems.join('; '), result.error);
  }
  const shared = result.data.change_chunk;
  return Object.freeze(
    result.data.events.map((item, index) => {
      const event = chunkEvent(shared, item);
      const [problem] = changeEventProblems(event);
      if (problem !== undefined) {
        throw invalid(`${formatIssuePath(['events', index, ...problem.path])}: ${problem.message}`);
      }
      return Object.freeze(event);
    }),
  );
}

/** The chunk's message value from events already serialised with {@link serializeChunkEvent}. */
export function serializeChangeChunk(
  source: ChangeChunkSource,
  eventJson: readonly string[],
): string {
  const shared = {
    connector: source.connector,
    name: source.name,
    db: source.db,
    schema: source.schema,
    table: source.table,
  };
  return `{"change_chunk":${JSON.stringify(shared)},"events":[${eventJson.join(',')}]}`;
}

/**
 * One event of a chunk as JSON (without the shared source block): the extractor serialises each
 * event once, to measure chunks in bytes as it fills them.
 */
export function serializeChunkEvent(event: ChangeEvent): string {
  return JSON.stringify({
    op: event.op,
    ts_ms: event.ts_ms,
    source_ts_ms: event.source.ts_ms,
    position: event.source.position,
    before: event.before,
    after: event.after,
    unchanged_columns: event.unchanged_columns,
  });
}

function freezeRow(row: ChangeRow | null): ChangeRow | null {
  return row === null ? null : Object.freeze(row);
}

function invalid(problems: string, cause?: unknown): Error {
  return replicatorError('REPL_EVENT_INVALID', `Invalid change chunk: ${problems}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}
