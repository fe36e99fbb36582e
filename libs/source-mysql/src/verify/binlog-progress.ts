/**
 * How far a pipeline replicating a MySQL/MariaDB source into the target has got, for verify's
 * re-check of mismatches while `sync` applies (libs/pipeline's ReplicationProgress, matched
 * structurally). The source position is the binlog end (`SHOW MASTER STATUS`); the target has
 * applied up to it once the highest source position stored in `_replicator.offsets` by the
 * applies themselves reaches it. Other databases' transactions move the binlog end past the last
 * replicated one, so the target also counts as caught up once the extractor's checkpoint
 * (`_replicator.extractor_checkpoints`, which follows the binlog through foreign events) has
 * passed the position and the stored positions then stay unchanged for QUIET_POLLS polls: the
 * loader had nothing left to apply; and once nothing at all has moved for STALLED_MS: no pipeline
 * runs. Positions of one binlog sequence are compared by file and offset (comparePositions); one
 * MySQL source per target database is assumed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  comparePositions,
  parseSourcePosition,
  quoteTable,
  type BinlogPosition,
  type Logger,
  type SourcePosition,
} from '@database-replicator/core';
import { OFFSETS_TABLE, type createClientPool } from '@database-replicator/postgres';

type TargetPool = ReturnType<typeof createClientPool>;

/** Source position and catch-up wait of a pipeline from a MySQL source. */
export type BinlogReplicationProgress = Readonly<{
  /** The binlog end as JSON text of a BinlogPosition. */
  sourcePosition(): Promise<string>;
  /** Polls until the target's stored position reaches `position`; false after `timeoutMs`. */
  waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}>;

const POLL_INTERVAL_MS = 100;
// Polls (after the extractor passed the position) without a new apply before counting as caught up.
const QUIET_POLLS = 3;
// Neither the extractor's checkpoint nor a stored position moved for this long: no pipeline is
// running (a running extractor's heartbeats move its checkpoint every second while the binlog
// moves), so nothing is in flight; `init` without sync leaves positions behind, for one.
const STALLED_MS = 5000;

// A partition's stored position reaches `position` once a later change of it was applied;
// one that gets no later change counts once it stays unchanged after the extractor passed
// `position`: everything extracted for it before then has been applied.
const READ_SQL = `SELECT topic || '/' || partition AS partition, source_position AS position FROM ${quoteTable(OFFSETS_TABLE)}
  WHERE source_position ->> 'kind' = 'mysql'`;

const CHECKPOINT_SQL = `SELECT checkpoint -> 'stream' AS position
  FROM ${quoteTable({ schema: '_replicator', table: 'extractor_checkpoints' })}
  WHERE checkpoint -> 'stream' ->> 'kind' = 'mysql'`;

function isBinlog(position: SourcePosition): position is BinlogPosition {
  return position.kind === 'mysql';
}

// Another binlog sequence (another server) cannot be ordered against ours.
function sameSequence(a: BinlogPosition, b: BinlogPosition): boolean {
  return a.file.replace(/\.\d+$/, '') === b.file.replace(/\.\d+$/, '');
}

/** The highest position of `reference`'s binlog sequence among the rows of `sql`, or null. */
async function highestPosition(
  target: TargetPool,
  sql: string,
  reference: BinlogPosition,
): Promise<BinlogPosition | null> {
  const { rows } = await target.query<{ position: unknown }>(sql);
  let best: BinlogPosition | null = null;
  for (const row of rows) {
    if (row.position === null) continue;
    const position = parseSourcePosition(row.position);
    if (!isBinlog(position)) continue;
    if (!sameSequence(position, reference)) continue;
    if (best === null || comparePositions(position, best) > 0) best = position;
  }
  return best;
}

/** Stored positions of `reference`'s binlog sequence by `topic/partition`. */
async function partitionPositions(
  target: TargetPool,
  reference: BinlogPosition,
): Promise<Map<string, BinlogPosition>> {
  const { rows } = await target.query<{ partition: string; position: unknown }>(READ_SQL);
  const positions = new Map<string, BinlogPosition>();
  for (const row of rows) {
    const position = parseSourcePosition(row.position);
    if (isBinlog(position) && sameSequence(position, reference)) {
      positions.set(row.partition, position);
    }
  }
  return positions;
}

/** The positions seen when a wait last ended because nothing moved; shared by a run's waits. */
type Stalled = { state: string | null };

/**
 * One catch-up check per call: true once every partition below `wanted` has counted as caught
 * up (see the module comment), or once nothing has moved for STALLED_MS, or at once while the
 * positions are still those an earlier wait found stalled (each re-check would wait again).
 */
function createCatchUpPoll(
  target: TargetPool,
  wanted: BinlogPosition,
  stalled: Stalled,
): () => Promise<boolean> {
  const reached = (at: BinlogPosition | null | undefined) =>
    at !== null && at !== undefined && comparePositions(at, { ...wanted, eventIndex: 0 }) >= 0;
  let last = new Map<string, BinlogPosition>();
  // Polls in a row each partition below `position` has not moved since the extractor passed it.
  const quiet = new Map<string, number>();
  let seen = '';
  let movedAt = Date.now();
  return async () => {
    const now = await partitionPositions(target, wanted);
    const checkpoint = await highestPosition(target, CHECKPOINT_SQL, wanted);
    const extracted = reached(checkpoint);
    let done = true;
    for (const [partition, at] of now) {
      if (reached(at)) continue;
      const still = extracted && JSON.stringify(last.get(partition)) === JSON.stringify(at);
      const count = still ? (quiet.get(partition) ?? 0) + 1 : 0;
      quiet.set(partition, count);
      if (count < QUIET_POLLS) done = false;
    }
    last = now;
    const state = JSON.stringify([checkpoint, [...now]]);
    if (state === stalled.state) return true;
    if (state !== seen) {
      seen = state;
      movedAt = Date.now();
    }
    if (!done && Date.now() - movedAt >= STALLED_MS) stalled.state = state;
    return done || stalled.state === state;
  };
}

/**
 * The progress of a pipeline that has applied changes of this source into the target, or null
 * when the target holds no binlog position (verify then reports mismatches without re-checking).
 *
 * @throws what the target pool throws for a failing query other than a missing offsets table.
 */
export async function findBinlogProgress(
  readSourcePosition: () => Promise<BinlogPosition>,
  target: TargetPool,
  logger?: Logger,
): Promise<BinlogReplicationProgress | null> {
  const exists = await target.query<{ found: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS found',
    [quoteTable(OFFSETS_TABLE)],
  );
  if (exists.rows[0]?.found !== true) return null;
  const now = await readSourcePosition();
  if ((await highestPosition(target, READ_SQL, now)) === null) return null;
  logger?.info({}, 'a pipeline applies binlog changes; mismatches are re-checked after catch-up');
  const stalled: Stalled = { state: null };
  return Object.freeze({
    async sourcePosition() {
      return JSON.stringify(await readSourcePosition());
    },
    async waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal) {
      const parsed: unknown = JSON.parse(position);
      const wanted = parseSourcePosition(parsed);
      if (!isBinlog(wanted)) return true;
      const deadline = Date.now() + timeoutMs;
      const poll = createCatchUpPoll(target, wanted, stalled);
      for (;;) {
        if (await poll()) return true;
        if (Date.now() >= deadline) return false;
        await sleep(POLL_INTERVAL_MS, undefined, signal === undefined ? {} : { signal });
      }
    },
  });
}
