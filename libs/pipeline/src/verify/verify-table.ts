/**
 * Verification of one table, whatever the engines:
 * 1. cut the key space into ranges of about `chunkRows` rows (boundaries read on the source;
 *    the first range is open at the bottom, the last at the top) and compare count + hash of
 *    every range on both sides, up to the limiter's concurrency at a time;
 * 2. with a change stream running, re-read the mismatching ranges once the target has applied
 *    everything the source had when they were read, keeping only those that still differ;
 * 3. bisect each mismatching range (split at its middle key) down to `leafRows` rows, then
 *    compare those rows one by one; with a change stream running, a key is reported only if it
 *    differs again after another catch-up.
 * A table without a primary key gets step 1 over the whole table only.
 */
import type { Logger } from '@database-replicator/core';
import {
  NO_DIFF,
  concatDiffs,
  diffRows,
  diffSize,
  persistentDiff,
  type RowDiff,
} from './diff-rows.js';
import { FULL_RANGE, keyObject, splitRange, type KeyRange, type RowKey } from './key-range.js';
import { joinAll, mapBounded, type Limiter } from './limiter.js';
import type { RangeChecksum, ReplicationProgress, TableChecksummer } from './table-checksummer.js';
import type { TableVerifyResult, VerifyStatus } from './verify-result.js';

/** One table to verify, as an engine's wiring describes it. */
export type VerifyTableInput = Readonly<{
  /** The table as `[schema.]table` text, for the report. */
  table: string;
  /** Primary-key columns in key order; empty: compare the whole table by count and hash only. */
  keyColumns: readonly string[];
  source: TableChecksummer;
  /** Null when the target has no such table. */
  target: TableChecksummer | null;
  /** Set when rows are not compared at all, with the reason shown to people. */
  blocked?: Readonly<{ status: 'skipped' | 'schema-different'; note: string }>;
  /** Remarks carried into the result, e.g. "rows filtered by table_filters". */
  notes?: readonly string[];
}>;

/** Settings shared by every table of a run. */
export type TableVerifyContext = Readonly<{
  limiter: Limiter;
  /** The limiter's size; also how many mismatching ranges are narrowed at once. */
  concurrency: number;
  chunkRows: number;
  leafRows: number;
  maxKeysPerTable: number;
  progress: ReplicationProgress | null;
  catchUpTimeoutMs: number;
  logger: Logger | undefined;
}>;

type Compared = Readonly<{ range: KeyRange; source: RangeChecksum; target: RangeChecksum }>;

type TableRun = TableVerifyContext & {
  readonly source: TableChecksummer;
  readonly target: TableChecksummer;
  readonly notes: string[];
  /** Keys that may still be collected before narrowing stops. */
  keysLeft: number;
  truncated: boolean;
};

// Bisection halves the larger side each step; deeper than this means rows move under our feet.
const MAX_DEPTH = 48;

const NO_KEY_NOTE = 'no key: whole-table check only';

/** A side without rows, standing in for a table the target lacks. */
const EMPTY_SIDE: TableChecksummer = Object.freeze({
  hashRange: () => Promise.resolve({ rows: 0, hash: '0' }),
  keyAt: () => Promise.resolve(null),
  rowHashes: () => Promise.resolve([]),
});

/** Verifies one table; see the module comment for the steps. Throws what a checksummer throws. */
export async function verifyTable(
  input: VerifyTableInput,
  context: TableVerifyContext,
): Promise<TableVerifyResult> {
  const started = Date.now();
  if (input.blocked !== undefined) return blockedResult(input, input.blocked, started);
  const run: TableRun = {
    ...context,
    // Nothing can catch up on a table the target does not have.
    progress: input.target === null ? null : context.progress,
    source: input.source,
    target: input.target ?? EMPTY_SIDE,
    notes: [...(input.notes ?? [])],
    keysLeft: context.maxKeysPerTable,
    truncated: false,
  };
  const keyed = input.keyColumns.length > 0;
  const first = await compareTable(run, keyed);
  const rechecked = await recheckAfterCatchUp(run, first.filter(differs));
  const final = first.map((c) => rechecked.get(c) ?? c);
  const mismatched = final.filter(differs);
  if (!keyed) run.notes.push(NO_KEY_NOTE);
  // A few ranges at a time, depth first, so that once the key cap is reached the remaining
  // ranges are skipped instead of all having been half bisected.
  const diff = keyed
    ? concatDiffs(await mapBounded(mismatched, run.concurrency, (c) => narrow(run, c, 0)))
    : NO_DIFF;
  if (keyed && mismatched.length > 0 && diffSize(diff) === 0 && !run.truncated) {
    run.notes.push('ranges differed while rows changed; no key differed when read again');
  }
  const status: VerifyStatus =
    input.target === null
      ? 'missing-table'
      : diffSize(diff) > 0 || (!keyed && mismatched.length > 0)
        ? 'different'
        : 'ok';
  const result = buildResult(input, run, { status, final, mismatched, diff, started });
  context.logger?.info(
    { table: input.table, status, ranges: final.length, mismatchedRanges: mismatched.length },
    'table verified',
  );
  return result;
}

function differs(compared: Compared): boolean {
  // Two empty ranges are equal whatever an engine hashes "nothing" to.
  return (
    compared.source.rows !== compared.target.rows ||
    (compared.source.rows > 0 && compared.source.hash !== compared.target.hash)
  );
}

/** Both results; like joinAll, settles only when neither query is still running. */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [left, right] = await Promise.allSettled([a, b]);
  if (left.status === 'rejected') throw left.reason;
  if (right.status === 'rejected') throw right.reason;
  return [left.value, right.value];
}

function compareRange(run: TableRun, range: KeyRange): Promise<Compared> {
  return run.limiter.run(async () => {
    const [source, target] = await both(run.source.hashRange(range), run.target.hashRange(range));
    return Object.freeze({ range, source, target });
  });
}

/**
 * The side's own boundaries, or keyset pagination over `keyAt`: each boundary is found from the
 * previous one, reading one chunk of the key index per step, never the whole table at once.
 */
async function* planBoundaries(side: TableChecksummer, chunkRows: number): AsyncIterable<RowKey> {
  if (side.planBoundaries !== undefined) {
    yield* side.planBoundaries(chunkRows);
    return;
  }
  let after: RowKey | null = null;
  for (;;) {
    const boundary = await side.keyAt({ after, upTo: null }, chunkRows - 1);
    if (boundary === null) return;
    yield boundary;
    after = boundary;
  }
}

/** Step 1: plans ranges on the source while already comparing the planned ones. */
async function compareTable(run: TableRun, keyed: boolean): Promise<Compared[]> {
  if (!keyed) return [await compareRange(run, FULL_RANGE)];
  const tasks: Promise<Compared>[] = [];
  let after: RowKey | null = null;
  try {
    for await (const boundary of planBoundaries(run.source, run.chunkRows)) {
      run.limiter.signal.throwIfAborted();
      tasks.push(compareRange(run, Object.freeze({ after, upTo: boundary })));
      after = boundary;
    }
  } catch (error) {
    run.limiter.abort(error);
    await Promise.allSettled(tasks);
    throw error;
  }
  tasks.push(compareRange(run, Object.freeze({ after, upTo: null })));
  return joinAll(tasks);
}

/** Waits until the target has applied what the source holds now; notes a timeout once. */
async function catchUp(run: TableRun, progress: ReplicationProgress): Promise<void> {
  const position = await progress.sourcePosition();
  const applied = await progress.waitUntilApplied(
    position,
    run.catchUpTimeoutMs,
    run.limiter.signal,
  );
  run.limiter.signal.throwIfAborted();
  const note = `replication did not catch up within ${Math.round(run.catchUpTimeoutMs / 1000)} s; differences may include changes in flight`;
  if (!applied && !run.notes.includes(note)) run.notes.push(note);
}

/** Step 2: re-reads mismatching ranges after a catch-up; returns new results by old. */
async function recheckAfterCatchUp(
  run: TableRun,
  mismatched: readonly Compared[],
): Promise<Map<Compared, Compared>> {
  const progress = run.progress;
  if (progress === null || mismatched.length === 0) return new Map();
  // Every source read of step 1 is done, so the position covers all of it.
  await catchUp(run, progress);
  const again = await joinAll(mismatched.map((c) => compareRange(run, c.range)));
  return new Map(mismatched.map((c, i) => [c, again[i] ?? c]));
}

/** Step 3: bisects a mismatching range down to leaves; returns their differences in key order. */
async function narrow(run: TableRun, compared: Compared, depth: number): Promise<RowDiff> {
  if (run.keysLeft <= 0) {
    run.truncated = true;
    return NO_DIFF;
  }
  const sourceLarger = compared.source.rows >= compared.target.rows;
  const side = sourceLarger ? run.source : run.target;
  const rows = sourceLarger ? compared.source.rows : compared.target.rows;
  if (rows <= run.leafRows || depth >= MAX_DEPTH) return leafDiff(run, compared.range);
  // The key after half of the larger side's rows: both halves are strictly smaller there.
  const middle = await run.limiter.run(() => side.keyAt(compared.range, Math.floor(rows / 2) - 1));
  if (middle === null) return leafDiff(run, compared.range);
  const halves = await joinAll(splitRange(compared.range, middle).map((r) => compareRange(run, r)));
  // Halves one after the other: when everything differs, the key cap then stops the work
  // after the first leaves instead of after every leaf of the range was read.
  const diffs: RowDiff[] = [];
  for (const half of halves) {
    if (differs(half)) diffs.push(await narrow(run, half, depth + 1));
  }
  return concatDiffs(diffs);
}

async function readLeaf(run: TableRun, range: KeyRange): Promise<RowDiff> {
  const [source, target] = await run.limiter.run(() =>
    both(run.source.rowHashes(range), run.target.rowHashes(range)),
  );
  return diffRows(source, target);
}

async function leafDiff(run: TableRun, range: KeyRange): Promise<RowDiff> {
  let diff = await readLeaf(run, range);
  if (run.progress !== null && diffSize(diff) > 0) {
    await catchUp(run, run.progress);
    diff = persistentDiff(diff, await readLeaf(run, range));
  }
  run.keysLeft -= diffSize(diff);
  return diff;
}

type Outcome = Readonly<{
  status: VerifyStatus;
  final: readonly Compared[];
  mismatched: readonly Compared[];
  diff: RowDiff;
  started: number;
}>;

function buildResult(input: VerifyTableInput, run: TableRun, outcome: Outcome): TableVerifyResult {
  const sum = (pick: (c: Compared) => number) => outcome.final.reduce((n, c) => n + pick(c), 0);
  let budget = run.maxKeysPerTable;
  const take = (keys: readonly RowKey[]) => {
    const kept = keys.slice(0, Math.max(0, budget));
    budget -= kept.length;
    return Object.freeze(kept.map((key) => keyObject(input.keyColumns, key)));
  };
  const different = take(outcome.diff.different);
  const missing = take(outcome.diff.missing);
  const extra = take(outcome.diff.extra);
  return Object.freeze({
    table: input.table,
    status: outcome.status,
    sourceRows: sum((c) => c.source.rows),
    targetRows: input.target === null ? null : sum((c) => c.target.rows),
    keyColumns: input.keyColumns,
    missing,
    extra,
    different,
    truncated: run.truncated || diffSize(outcome.diff) > run.maxKeysPerTable,
    ranges: outcome.final.length,
    mismatchedRanges: outcome.mismatched.length,
    notes: Object.freeze([...run.notes]),
    durationMs: Date.now() - outcome.started,
  });
}

function blockedResult(
  input: VerifyTableInput,
  blocked: NonNullable<VerifyTableInput['blocked']>,
  started: number,
): TableVerifyResult {
  return Object.freeze({
    table: input.table,
    status: blocked.status,
    sourceRows: null,
    targetRows: null,
    keyColumns: input.keyColumns,
    missing: [],
    extra: [],
    different: [],
    truncated: false,
    ranges: 0,
    mismatchedRanges: 0,
    notes: Object.freeze([...(input.notes ?? []), blocked.note]),
    durationMs: Date.now() - started,
  });
}
