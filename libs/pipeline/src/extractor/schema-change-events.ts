/**
 * How the stream half treats schema changes (`s` events, docs/architecture.md "Schema changes"):
 * they go to every partition of the table's topic (`schemaChangeMessages`), and a `stop_table`
 * change is not sent at all: the table is marked failed with the statement quoted, and its later
 * events are dropped, while the other tables keep streaming. A `create_table` change of a table
 * the source selected registers it first (target table, topic), then travels like the others.
 */
import {
  formatTableRef,
  replicatorError,
  type ChangeEvent,
  type ReplicatorError,
  type TableId,
} from '@database-replicator/core';
import type { SourceTable, SourceTransaction } from './change-source.js';
import { tableTopic } from './event-builder.js';
import type { ExtractorOptions } from './extractor-options.js';

/** A table stopped by DDL, with the error to record. */
export type StoppedTable = Readonly<{ table: TableId; error: ReplicatorError }>;

/** True if the step holds a schema change: the batch before it is sent first. */
export function hasSchemaChange(step: SourceTransaction): boolean {
  return step.events.some((event) => event.op === 's');
}

/** The stop of `table` if `event` is a `stop_table` change. */
export function stoppedBy(table: TableId, event: ChangeEvent): StoppedTable | undefined {
  const change = event.schema_change;
  if (change?.kind !== 'stop_table') return undefined;
  const name = formatTableRef(table);
  const error = replicatorError(
    'REPL_SOURCE_DDL_UNSUPPORTED',
    `Table ${name} stopped streaming: the source ran "${change.statement}", and ${change.reason} cannot be applied to the target; the other tables keep streaming`,
    { details: { table: name } },
  );
  return Object.freeze({ table, error });
}

/** Marks the tables failed in the job store, with the error as their last error. */
export async function recordStoppedTables(
  options: ExtractorOptions,
  stopped: readonly StoppedTable[],
): Promise<void> {
  for (const { table, error } of stopped) {
    options.logger.error({ err: error, table: formatTableRef(table) }, 'table stopped by DDL');
    await options.store.setTablePhase(
      options.jobId,
      table,
      'failed',
      `${error.code}: ${error.message}`,
    );
  }
}

/** The table a `create_table` change creates, described for the target. */
export function createdTable(event: ChangeEvent): SourceTable | undefined {
  const change = event.schema_change;
  if (change?.kind !== 'create_table') return undefined;
  const { source } = event;
  return Object.freeze({
    id: Object.freeze({ schema: source.schema ?? source.db, table: source.table }),
    keyColumns: change.key_columns,
    columns: change.columns,
    indexes: [],
    estimatedRows: 0,
    schemaOnly: false,
  });
}

/**
 * Registers tables created while streaming: the job store creates the target tables, the bus
 * their topics, and they stream at once (a table created empty has no snapshot to take; its
 * rows follow in the binlog).
 */
export async function registerCreatedTables(
  options: ExtractorOptions,
  tables: readonly SourceTable[],
): Promise<void> {
  if (tables.length === 0) return;
  const { store, jobId } = options;
  await store.registerTables(jobId, tables);
  await options.bus.ensureTopics(
    tables.map((table) => tableTopic(options.topicPrefix, options.source, table)),
    { partitions: options.partitions },
  );
  for (const table of tables) {
    options.logger.info({ table: formatTableRef(table.id) }, 'table created while streaming');
    await store.setTablePhase(jobId, table.id, 'streaming');
  }
}
