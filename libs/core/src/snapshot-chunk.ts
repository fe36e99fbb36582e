/**
 * Snapshot chunks: many snapshot rows of one table in one bus message, for throughput
 * (ARCHITECTURE §3 allows them beside the Debezium-compatible per-row `r` events, which remain
 * available). Every row of a chunk belongs to the partition of the chunk's key, so a row's
 * history stays in one partition, in order, exactly as with per-row events.
 *
 * Shape: `{ "op": "r", "source": <the source block of a snapshot event>, "ts_ms": n,
 * "columns": ["id", …], "rows": [[1, …], …] }`: row values in column order, encoded as in
 * events. Values come from `JSON.parse`, so they are JSON values by construction; the schema
 * checks the structure only, which keeps validation cheap per row.
 */
import { z } from 'zod';
import { replicatorError } from './errors.js';
import { formatIssuePath } from './issue-path.js';
import { changeSourceSchema, type ChangeEvent, type ChangeSource } from './envelope.js';
import type { JsonValue } from './values.js';

/** A validated snapshot chunk. */
export type SnapshotChunk = Readonly<{
  op: 'r';
  source: ChangeSource;
  ts_ms: number;
  columns: readonly string[];
  rows: readonly (readonly JsonValue[])[];
}>;

// Values come from JSON.parse, which yields only JSON values; checking each one again would cost
// more than the rest of the chunk's validation.
const parsedJsonValue = z.custom<JsonValue>((value) => value !== undefined);

const chunkSchema = z
  .object({
    op: z.literal('r'),
    source: changeSourceSchema,
    ts_ms: z.int().nonnegative(),
    columns: z.array(z.string().min(1)).min(1),
    rows: z.array(z.array(parsedJsonValue)).min(1),
  })
  .superRefine((chunk, ctx) => {
    const width = chunk.columns.length;
    if (new Set(chunk.columns).size !== width) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'names a column twice' });
    }
    const bad = chunk.rows.findIndex((row) => row.length !== width);
    if (bad >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['rows', bad],
        message: `has ${chunk.rows[bad]?.length} values for ${width} columns`,
      });
    }
    if (chunk.source.snapshot === 'false') {
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'snapshot'],
        message: "must not be 'false'",
      });
    }
  });

/** True if a parsed message value is a chunk rather than an event (it has `rows`). */
export function isSnapshotChunkValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'rows' in value && 'columns' in value;
}

/**
 * Validates a parsed chunk.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` naming the first problem.
 */
export function parseSnapshotChunk(value: unknown): SnapshotChunk {
  const result = chunkSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${formatIssuePath(issue.path) || 'chunk'}: ${issue.message}`,
    );
    throw replicatorError('REPL_EVENT_INVALID', `Invalid snapshot chunk: ${problems.join('; ')}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * The chunk's message value from rows already serialised with `JSON.stringify(valuesInColumnOrder)`:
 * the extractor serialises each row once, to measure chunks in bytes as it fills them.
 */
export function serializeSnapshotChunk(
  source: ChangeSource,
  tsMs: number,
  columns: readonly string[],
  rowJson: readonly string[],
): string {
  return `{"op":"r","source":${JSON.stringify(source)},"ts_ms":${tsMs},"columns":${JSON.stringify(columns)},"rows":[${rowJson.join(',')}]}`;
}

/** The chunk's rows as snapshot (`r`) events, in order. */
export function snapshotChunkEvents(chunk: SnapshotChunk): ChangeEvent[] {
  const { columns, source } = chunk;
  return chunk.rows.map((values) => {
    const after: Record<string, JsonValue> = {};
    for (let i = 0; i < columns.length; i += 1)
      after[columns[i] as string] = values[i] as JsonValue;
    return { before: null, after, op: 'r', source, ts_ms: chunk.ts_ms };
  });
}
