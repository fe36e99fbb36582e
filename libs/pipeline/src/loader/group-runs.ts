/**
 * The runs of many partitions as the batches of one `ChangeApplier.applyAll`: one batch per
 * table, holding that table's events of every partition, each partition's in offset order. Only
 * row changes are grouped: copy chunks and schema changes (which split a table's apply at every
 * partition's copy of the change) are applied run by run.
 */
import type { TableId } from '@database-replicator/core';
import type { ApplyBatch, LoaderEvent } from './loader-ports.js';
import type { Pending } from './loader-message.js';

/** Consecutive messages of one table and one kind, as the loader applies them. */
export type Run = { table: TableId; keyColumns: readonly string[]; items: Pending[] };

/** One batch per table of `runs` (given in offset order per partition), or `undefined`. */
export function groupRuns(
  runs: readonly Run[],
  consumerGroup: string,
): readonly ApplyBatch[] | undefined {
  const byTable = new Map<string, { run: Run; events: LoaderEvent[] }>();
  for (const run of runs) {
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
