/**
 * Runs the workload against a source: a backlog (bounded count, as fast as one connection goes,
 * closed by the sentinels) or a fixed rate (bounded duration; one transaction per 100 ms tick,
 * each commit reported with the highest order id it inserted, for the lag probe).
 */
import type { DatasetSpec } from '../dataset/spec.js';
import {
  maxInsertedOrderId,
  planChanges,
  planSentinels,
  type Sentinels,
  type WorkloadCursor,
} from './plan.js';
import type { WorkloadTarget } from './workload-target.js';

export type WorkloadRun = Readonly<{
  cursor: WorkloadCursor;
  /** Changes planned (a new order with its item line counts once). */
  changes: number;
  /** Row (document) operations issued. */
  rowOps: number;
  seconds: number;
}>;

const BACKLOG_BATCH = 100;
const TICK_MS = 100;

export type BacklogRun = WorkloadRun & Readonly<{ sentinels: Sentinels }>;

/** `count` changes in transactions of 100, then the sentinels in a transaction of their own. */
export async function runBacklog(
  target: WorkloadTarget,
  spec: DatasetSpec,
  cursor: WorkloadCursor,
  count: number,
): Promise<BacklogRun> {
  const started = performance.now();
  let c = cursor;
  let rowOps = 0;
  for (let done = 0; done < count; done += BACKLOG_BATCH) {
    const planned = planChanges(spec, c, Math.min(BACKLOG_BATCH, count - done));
    rowOps += await target.apply(planned.changes);
    c = planned.cursor;
  }
  const closing = planSentinels(spec, c);
  rowOps += await target.apply([closing.change]);
  return {
    cursor: closing.cursor,
    changes: count + 1,
    rowOps,
    seconds: (performance.now() - started) / 1000,
    sentinels: closing.sentinels,
  };
}

export type CommitListener = (maxOrderId: number, committedAtMs: number) => void;

/**
 * `ratePerSecond` changes per second for `durationMs`. Each tick commits what is due by then, so
 * a slow commit is caught up on the next tick and the achieved rate says whether it kept up.
 */
export async function runFixedRate(
  target: WorkloadTarget,
  spec: DatasetSpec,
  cursor: WorkloadCursor,
  ratePerSecond: number,
  durationMs: number,
  onCommit: CommitListener,
): Promise<WorkloadRun> {
  const started = performance.now();
  let c = cursor;
  let done = 0;
  let rowOps = 0;
  for (let tick = 1; ; tick++) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((ratePerSecond * Math.min(elapsed + TICK_MS, durationMs)) / 1000) - done;
    if (due > 0) {
      const planned = planChanges(spec, c, due);
      rowOps += await target.apply(planned.changes);
      const maxId = maxInsertedOrderId(planned.changes);
      if (maxId !== null) onCommit(maxId, performance.now());
      c = planned.cursor;
      done += due;
    }
    const wait = started + tick * TICK_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { cursor: c, changes: done, rowOps, seconds: (performance.now() - started) / 1000 };
}
