/**
 * Copy chunks: snapshot rows of one table as PostgreSQL COPY text (one line per row, fields in
 * `columns` order, text format escapes), the fastest snapshot form (ARCHITECTURE §3). Measured
 * need: with JSON chunks, encoding values, parsing them again and re-encoding them for COPY took
 * most of the snapshot's CPU; COPY text is written once, by the extractor, and reaches the target
 * untouched. Every row of a chunk belongs to the partition of the chunk's key, as with the other
 * snapshot forms, so a row's history stays in one partition, in order.
 *
 * Shape: a JSON header line, then the COPY text unescaped (JSON-escaping megabytes of text and
 * parsing them again cost more than loading them): `{ "op": "r", "source": <the source block
 * of a snapshot event>, "ts_ms": n, "columns": ["id", …], "row_count": n }` `\n` `1\tAda\n…`.
 * No other message holds a raw line break (JSON text never does), so the first one marks a copy
 * chunk.
 */
import { z } from 'zod';
import { replicatorError } from './errors.js';
import { formatIssuePath } from './issue-path.js';
import { changeSourceSchema, type ChangeSource } from './envelope.js';

/** A validated copy chunk. */
export type CopyChunk = Readonly<{
  op: 'r';
  source: ChangeSource;
  ts_ms: number;
  columns: readonly string[];
  /** Lines of `copy`. */
  row_count: number;
  /** COPY text format, every line ended by `\n`; a raw line break only ever ends a row. */
  copy: string;
}>;

const copyChunkSchema = z
  .object({
    op: z.literal('r'),
    source: changeSourceSchema,
    ts_ms: z.int().nonnegative(),
    columns: z.array(z.string().min(1)).min(1),
    row_count: z.int().positive(),
    copy: z.string(),
  })
  .superRefine((chunk, ctx) => {
    if (new Set(chunk.columns).size !== chunk.columns.length) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'names a column twice' });
    }
    const lines = countLines(chunk.copy);
    if (lines !== chunk.row_count || !chunk.copy.endsWith('\n')) {
      ctx.addIssue({
        code: 'custom',
        path: ['copy'],
        message: `holds ${lines} complete lines for row_count ${chunk.row_count}`,
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

/** True if a message value is a copy chunk (it holds a raw line break). */
export function isCopyChunkMessage(text: string): boolean {
  return text.includes('\n');
}

/**
 * Parses and validates a copy chunk message.
 *
 * @throws ReplicatorError `REPL_EVENT_INVALID` naming the first problem.
 */
export function parseCopyChunk(text: string): CopyChunk {
  const end = text.indexOf('\n');
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, end));
  } catch (error) {
    throw replicatorError(
      'REPL_EVENT_INVALID',
      `Copy chunk header is not valid JSON (${end} characters)`,
      {
        cause: error,
      },
    );
  }
  const value =
    typeof header === 'object' && header !== null
      ? { ...header, copy: text.slice(end + 1) }
      : header;
  const result = copyChunkSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${formatIssuePath(issue.path) || 'chunk'}: ${issue.message}`,
    );
    throw replicatorError('REPL_EVENT_INVALID', `Invalid copy chunk: ${problems.join('; ')}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/** The chunk's message value. `copy` must end with `\n` and hold `rowCount` lines. */
export function serializeCopyChunk(
  source: ChangeSource,
  tsMs: number,
  columns: readonly string[],
  rowCount: number,
  copy: string,
): string {
  return `{"op":"r","source":${JSON.stringify(source)},"ts_ms":${tsMs},"columns":${JSON.stringify(columns)},"row_count":${rowCount}}\n${copy}`;
}

/** Lines of COPY text: its raw line breaks (an escaped one is `\\n`, never a raw one). */
export function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines += 1;
  return lines;
}
