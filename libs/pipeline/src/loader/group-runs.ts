/**
 * The runs of many partitions as the batches of one `ChangeApplier.applyAll`: one batch per
 * table, holding that table's events of every partition, each partition's in offset order. Only
 * row changes are grouped: copy chunks and schema changes (which split a table's apply at every
 * partition's copy of the change) are applied run by run, and so is a unit holding a rejected
 * message (rare), which is settled between its part's runs.
 */
import type { ErrorCode, TableId } from '@database-replicator/core';
import type { ApplyBatch, LoaderEvent, LoaderRecord } from './loader-ports.js';
import type { Pending } from './loader-message.js';

/** Consecutive messages of one table and one kind, as the loader applies them. */
export type Run = { table: TableId; keyColumns: readonly string[]; items: Pending[] };

/**
 * A message dead-lettered whatever the target holds (it fails validation, or its table has no
 * known key columns). It is settled in its place among its part's runs, not when decoded: its
 * offset is stored after those of the messages before it, and a part left unapplied (the loop
 * stopped) sends no dead letter that its replay would send again.
 */
export type Rejected = Readonly<{
  topic: string;
  partition: number;
  record: LoaderRecord;
  error: Error & { code: ErrorCode };
}>;

/** What a part's messages become, in offset order. */
export type Step = Run | Rejected;

/** True for a run of events or copy chunks, false for a rejected message. */
export function isRun(step: Step): step is Run {
  return 'items' in step;
}

/**
 * One batch per table of `steps` (given in offset order per partition), or `undefined` when a
 * step is not a run of row changes.
 */
export function groupRuns(
  steps: readonly Step[],
  consumerGroup: string,
): readonly ApplyBatch[] | undefined {
  const byTable = new Map<string, { run: Run; events: LoaderEvent[] }>();
  for (const run of steps) {
    if (!isRun(run)) return undefined;
    const id = `${run.table.schema}\u0000${run.table.table}`;
    let group = byTable.get(id);
    if (group === undefined) {
      group = { run, events: [] };
      byTable.set(id, group);
    }
    for (const item of run.items) {
      if (item.content.kind !== 'events') return undefined;
      for (const event of item.content.events) {
        if (event.event.op === 's') return undefined;
        group.events.push(event);
      }
    }
  }
  return [...byTable.values()].map(({ run, events }) =>
    Object.freeze({ consumerGroup, table: run.table, keyColumns: run.keyColumns, events }),
  );
}

/** True if `item` of `table` joins `run`: same table, and copy chunks never mix with events. */
export function continuesRun(run: Run, table: TableId, item: Pending): boolean {
  const first = run.items[0];
  return (
    run.table.schema === table.schema &&
    run.table.table === table.table &&
    first !== undefined &&
    first.content.kind === item.content.kind
  );
}
