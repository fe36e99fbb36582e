import { z } from 'zod';
import { deepFreeze } from './deep-freeze.js';
import { replicatorError } from './errors.js';
import { formatIssuePath } from './issue-path.js';
import { isJsonValue, type JsonValue } from './values.js';

/**
 * Source positions (ARCHITECTURE §4): exact points in a source's change stream, stored in
 * checkpoints and carried by every change event. Each kind holds what its engine needs to
 * resume exactly there; 64-bit quantities are strings so JSON keeps them exact.
 */

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MAX = 2n ** 63n - 1n;

/** PostgreSQL's textual LSN: two hex halves of 32 bits each, `16/B374D848`. */
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const DIGITS = /^(?:0|[1-9][0-9]*)$/;

const postgresPositionSchema = z
  .object({
    kind: z.literal('postgres'),
    /** Commit LSN of the transaction, `%X/%X` as PostgreSQL prints it. */
    lsn: z.string().regex(LSN, { error: 'expected an LSN like "16/B374D848"' }),
    /** Index of the change within its transaction, from 0. */
    txIndex: z.int().nonnegative(),
  })
  .strict();

const binlogPositionSchema = z
  .object({
    kind: z.literal('mysql'),
    /** Executed GTID set after this transaction (MySQL UUID:1-5 or MariaDB 0-1-100 form); '' if GTIDs are off. */
    gtidSet: z.string(),
    /** Binlog file name, `mysql-bin.000042`. */
    file: z.string().min(1),
    /** Byte offset of the transaction's event in `file`. */
    pos: z.int().nonnegative(),
    /** Index of the row change within the transaction, from 0. */
    eventIndex: z.int().nonnegative(),
  })
  .strict();

const mongoResumePositionSchema = z
  .object({
    kind: z.literal('mongodb'),
    /** The change stream's resume token (`{ _data }` object or its `_data` string), opaque. */
    resumeToken: z.custom<JsonValue>((value) => isJsonValue(value) && value !== null, {
      error: 'expected the resume token as a JSON object or string',
    }),
    /** Cluster time: the BSON Timestamp's 64-bit value as a decimal string (seconds << 32 | increment). */
    clusterTime: z.string().refine((text) => isUnsignedDecimal(text, UINT64_MAX), {
      error: 'expected an unsigned 64-bit decimal string',
    }),
  })
  .strict();

const sqliteChangelogPositionSchema = z
  .object({
    kind: z.literal('sqlite'),
    /** Sequence number of the changelog row (an SQLite INTEGER), as a decimal string. */
    sequence: z.string().refine((text) => isUnsignedDecimal(text, INT64_MAX), {
      error: 'expected a non-negative 64-bit decimal string',
    }),
  })
  .strict();

const mongoRefreshPositionSchema = z
  .object({
    kind: z.literal('mongodb'),
    /**
     * Refresh mode (servers without change streams): the number of the last refresh cycle whose
     * changes are covered, as a decimal string; `'0'` is the state the snapshot delivered.
     */
    refreshSequence: z.string().refine((text) => isUnsignedDecimal(text, INT64_MAX), {
      error: 'expected a non-negative 64-bit decimal string',
    }),
  })
  .strict();

/** Both MongoDB forms share the kind; the fields tell them apart. */
const mongoPositionSchema = z
  .object({ kind: z.literal('mongodb') })
  .loose()
  .pipe(z.union([mongoResumePositionSchema, mongoRefreshPositionSchema]));

/** Zod schema of {@link SourcePosition}, discriminated on `kind`. */
export const sourcePositionSchema = z.discriminatedUnion('kind', [
  postgresPositionSchema,
  binlogPositionSchema,
  mongoPositionSchema,
  sqliteChangelogPositionSchema,
]);

/** PostgreSQL position: commit LSN and the change's index in its transaction. */
export type PostgresPosition = Readonly<z.output<typeof postgresPositionSchema>>;
/** MySQL/MariaDB position: GTID set plus file, byte offset and row-event index. */
export type BinlogPosition = Readonly<z.output<typeof binlogPositionSchema>>;
/** MongoDB position: opaque resume token plus cluster time. */
export type MongoResumePosition = Readonly<z.output<typeof mongoResumePositionSchema>>;
/** SQLite position: sequence number in the trigger-maintained changelog table. */
export type SqliteChangelogPosition = Readonly<z.output<typeof sqliteChangelogPositionSchema>>;
/** MongoDB position in refresh mode (no change streams): the last covered refresh cycle. */
export type MongoRefreshPosition = Readonly<z.output<typeof mongoRefreshPositionSchema>>;
/** An exact position in a source's change stream, one variant per source kind. */
export type SourcePosition =
  | PostgresPosition
  | BinlogPosition
  | MongoResumePosition
  | SqliteChangelogPosition
  | MongoRefreshPosition;

/**
 * The PostgreSQL, MySQL or SQLite position `value` holds, as {@link sourcePositionSchema} returns
 * it, if `value` has exactly its keys and valid values, else `undefined`: a shortcut for
 * positions read by the hundred thousand (change chunks), whose callers fall back to the schema,
 * which also explains a rejection. MongoDB positions always take the schema.
 */
export function exactSourcePosition(value: unknown): SourcePosition | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields).length;
  switch (fields['kind']) {
    case 'postgres': {
      const { lsn, txIndex } = fields;
      return keys === 3 && typeof lsn === 'string' && LSN.test(lsn) && isCount(txIndex)
        ? { kind: 'postgres', lsn, txIndex: txIndex as number }
        : undefined;
    }
    case 'mysql': {
      const { gtidSet, file, pos, eventIndex } = fields;
      return keys === 5 &&
        typeof gtidSet === 'string' &&
        typeof file === 'string' &&
        file.length > 0 &&
        isCount(pos) &&
        isCount(eventIndex)
        ? { kind: 'mysql', gtidSet, file, pos: pos as number, eventIndex: eventIndex as number }
        : undefined;
    }
    case 'sqlite': {
      const { sequence } = fields;
      return keys === 2 && typeof sequence === 'string' && isUnsignedDecimal(sequence, INT64_MAX)
        ? { kind: 'sqlite', sequence }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** What `z.int().nonnegative()` accepts. */
export function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Validates a position read from outside (a checkpoint row, a message) and freezes it.
 *
 * @throws ReplicatorError `REPL_POSITION_INVALID` naming the offending field.
 */
export function parseSourcePosition(value: unknown): SourcePosition {
  const result = sourcePositionSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where =
      issue === undefined || issue.path.length === 0 ? 'position' : formatIssuePath(issue.path);
    throw replicatorError(
      'REPL_POSITION_INVALID',
      `Invalid source position at ${where}: ${issue?.message ?? 'unknown problem'}`,
      {
        cause: result.error,
      },
    );
  }
  return deepFreeze(result.data);
}

/**
 * Parses a PostgreSQL LSN (`16/B374D848`, case-insensitive) into its 64-bit value.
 *
 * @throws ReplicatorError `REPL_POSITION_INVALID` if `text` is not an LSN.
 */
export function parseLsn(text: string): bigint {
  const match = LSN.exec(text);
  if (match === null) {
    throw replicatorError(
      'REPL_POSITION_INVALID',
      `"${text}" is not a PostgreSQL LSN like "16/B374D848"`,
    );
  }
  return (BigInt(`0x${match[1] ?? ''}`) << 32n) | BigInt(`0x${match[2] ?? ''}`);
}

/**
 * Formats a 64-bit LSN value as PostgreSQL prints it: upper-case hex, `%X/%X`.
 *
 * @throws ReplicatorError `REPL_POSITION_INVALID` if `lsn` is outside 0..2^64-1.
 */
export function formatLsn(lsn: bigint): string {
  if (lsn < 0n || lsn > UINT64_MAX) {
    throw replicatorError('REPL_POSITION_INVALID', `LSN value ${lsn} is outside 0..2^64-1`);
  }
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Orders two positions of the same source: -1 if `a` is earlier, 0 if equal, 1 if later.
 *
 * - postgres: LSN, then index in transaction.
 * - sqlite: sequence number.
 * - mysql: binlog file (numeric suffix, so `.999999` < `.1000000`), then byte offset, then event
 *   index. GTID sets are not compared here: they are partially ordered sets whose comparison the
 *   binlog stream library performs when it resumes.
 * - mongodb refresh positions: refresh sequence.
 *
 * @throws ReplicatorError `REPL_POSITION_MISMATCH` if the kinds differ, for MongoDB resume-token
 *   positions (resume tokens are opaque and not orderable), or for binlog files with different
 *   base names.
 */
export function comparePositions(a: SourcePosition, b: SourcePosition): -1 | 0 | 1 {
  if (a.kind === 'postgres' && b.kind === 'postgres') {
    return compareChain(compare(parseLsn(a.lsn), parseLsn(b.lsn)), compare(a.txIndex, b.txIndex));
  }
  if (a.kind === 'sqlite' && b.kind === 'sqlite') {
    return compare(BigInt(a.sequence), BigInt(b.sequence));
  }
  if (a.kind === 'mysql' && b.kind === 'mysql') {
    return compareChain(
      compareBinlogFiles(a.file, b.file),
      compare(a.pos, b.pos),
      compare(a.eventIndex, b.eventIndex),
    );
  }
  if (a.kind === 'mongodb' && b.kind === 'mongodb') {
    if ('refreshSequence' in a && 'refreshSequence' in b) {
      return compare(BigInt(a.refreshSequence), BigInt(b.refreshSequence));
    }
    throw replicatorError(
      'REPL_POSITION_MISMATCH',
      'MongoDB positions are not orderable: resume tokens are opaque',
    );
  }
  throw replicatorError(
    'REPL_POSITION_MISMATCH',
    `Cannot compare a ${a.kind} position with a ${b.kind} position`,
    {
      details: { left: a.kind, right: b.kind },
    },
  );
}

/** Binlog files are `<basename>.<sequence>`; the sequence grows past six digits, so compare it as a number. */
function compareBinlogFiles(a: string, b: string): -1 | 0 | 1 {
  const left = splitBinlogFile(a);
  const right = splitBinlogFile(b);
  if (left.base !== right.base) {
    throw replicatorError(
      'REPL_POSITION_MISMATCH',
      `Binlog files "${a}" and "${b}" belong to different binlog sequences`,
      {
        details: { left: a, right: b },
      },
    );
  }
  return left.sequence === undefined || right.sequence === undefined
    ? compare(a, b)
    : compare(left.sequence, right.sequence);
}

function splitBinlogFile(file: string): { base: string; sequence: bigint | undefined } {
  const match = /^(.*)\.([0-9]+)$/.exec(file);
  return match === null
    ? { base: file, sequence: undefined }
    : { base: match[1] ?? '', sequence: BigInt(match[2] ?? '') };
}

function compare<T extends bigint | number | string>(a: T, b: T): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareChain(...results: readonly (-1 | 0 | 1)[]): -1 | 0 | 1 {
  return results.find((result) => result !== 0) ?? 0;
}

function isUnsignedDecimal(text: string, max: bigint): boolean {
  return DIGITS.test(text) && BigInt(text) <= max;
}
