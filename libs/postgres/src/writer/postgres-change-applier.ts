/**
 * The loader's view of a PostgreSQL target: `apply` runs {@link applyChangeBatch} with one shape
 * cache, `keyColumnsOf` answers a table's key columns (target-primary-keys.ts) and
 * `isJobIncarnation` whether a message's incarnation is a job's of this target. It matches
 * libs/pipeline's `ChangeApplier` structurally, so neither lib imports the other.
 */
import { formatTableRef, type Logger, type TableId } from '@database-replicator/core';
import type pg from 'pg';
import { applyChangeBatch } from './apply-change-batch.js';
import { applyChangeBatches } from './apply-change-batches.js';
import { applyCopyChunks } from './apply-copy-chunks.js';
import { isJobIncarnation } from '../jobs/job-incarnation.js';
import { findPoisonEvents, type PoisonEvent } from './find-poison-events.js';
import { findRefusedCopyRows, type RefusedCopyRow } from './find-refused-copy-rows.js';
import { settleRefusedMessage, type RefusedMessage } from './settle-refused-message.js';
import type { ApplyResult, ChangeBatch, CopyChunkBatch } from './change-batch.js';
import { TargetPrimaryKeys } from './target-primary-keys.js';
import { TargetTableShapeCache } from './target-table-shape.js';

/** Options of {@link createPostgresChangeApplier}. */
export type PostgresChangeApplierOptions = Readonly<{
  /** Receives one debug line per applied batch (child `component: 'postgres-applier'`). */
  logger: Logger;
}>;

/** A target that applies change batches exactly once and knows its tables' key columns. */
export type PostgresChangeApplier = Readonly<{
  /**
   * Applies `batch` with its offsets in one transaction; see {@link applyChangeBatch}.
   *
   * @throws ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID`, `REPL_WRITER_EVENT_INVALID`,
   *   `REPL_WRITER_APPLY_FAILED` (rolled back as a whole).
   */
  apply(batch: ChangeBatch): Promise<ApplyResult>;
  /**
   * Applies several batches (several tables, or one table's partitions) with their offsets in
   * one transaction; see {@link applyChangeBatches}.
   *
   * @throws As {@link PostgresChangeApplier.apply}.
   */
  applyAll(batches: readonly ChangeBatch[]): Promise<ApplyResult>;
  /** Loads copy chunks with their offsets in one transaction; see {@link applyCopyChunks}. */
  applyCopyChunks(batch: CopyChunkBatch): Promise<ApplyResult>;
  /**
   * The events of `batch` the target refuses, found in a transaction that is rolled back; see
   * {@link findPoisonEvents}.
   */
  findPoison(batch: ChangeBatch): Promise<readonly PoisonEvent[]>;
  /**
   * The rows of copy chunks the target refuses, found in a transaction that is rolled back; see
   * {@link findRefusedCopyRows}.
   */
  findRefusedCopyRows(batch: CopyChunkBatch): Promise<readonly RefusedCopyRow[]>;
  /**
   * Runs `settle` for a refused message under its partition's lock unless the stored offset is
   * past it, then stores the offset past it; see {@link settleRefusedMessage}.
   */
  settleRefused<T>(message: RefusedMessage, settle: () => Promise<T>): Promise<T | undefined>;
  /**
   * The primary-key columns of target table `table`, in key order (a key a job deferred counts,
   * and is built before a change is applied to the table); `undefined` when the table does not
   * exist or has no key. Found keys are cached for the applier's life; a missing table is looked
   * up again on the next call, so one created later is picked up.
   */
  keyColumnsOf(table: TableId): Promise<readonly string[] | undefined>;
  /** Whether a job of the target has `incarnation`; see {@link isJobIncarnation}. */
  isJobIncarnation(incarnation: string): Promise<boolean>;
}>;

/**
 * Creates the applier over `client` (a connection of its own, outside any transaction, to a
 * target whose `_replicator` schema is migrated). Calls must not overlap: one connection runs one
 * transaction at a time.
 */
export function createPostgresChangeApplier(
  client: pg.ClientBase,
  options: PostgresChangeApplierOptions,
): PostgresChangeApplier {
  const log = options.logger.child({ component: 'postgres-applier' });
  const shapes = new TargetTableShapeCache();
  const keys = new TargetPrimaryKeys();
  return Object.freeze({
    apply: async (batch: ChangeBatch): Promise<ApplyResult> => {
      await keys.ensureBuilt(client, [batch.table]);
      const result = await applyChangeBatch(client, batch, { shapes });
      log.debug({ table: formatTableRef(batch.table), ...result }, 'change batch applied');
      return result;
    },
    applyAll: async (batches: readonly ChangeBatch[]): Promise<ApplyResult> => {
      await keys.ensureBuilt(
        client,
        batches.map((batch) => batch.table),
      );
      const result = await applyChangeBatches(client, batches, { shapes });
      log.debug(
        { tables: batches.map((batch) => formatTableRef(batch.table)), ...result },
        'change batches applied',
      );
      return result;
    },
    applyCopyChunks: async (batch: CopyChunkBatch): Promise<ApplyResult> => {
      const result = await applyCopyChunks(client, batch, shapes);
      log.debug({ table: formatTableRef(batch.table), ...result }, 'copy chunks applied');
      return result;
    },
    findPoison: async (batch: ChangeBatch): Promise<readonly PoisonEvent[]> => {
      const poison = await findPoisonEvents(client, batch, { shapes });
      log.debug(
        { table: formatTableRef(batch.table), events: batch.events.length, refused: poison.length },
        'events probed one by one',
      );
      return poison;
    },
    findRefusedCopyRows: async (batch: CopyChunkBatch): Promise<readonly RefusedCopyRow[]> => {
      const refused = await findRefusedCopyRows(client, batch, { shapes });
      log.debug(
        {
          table: formatTableRef(batch.table),
          chunks: batch.chunks.length,
          refused: refused.length,
        },
        'copy chunk rows probed',
      );
      return refused;
    },
    settleRefused: async <T>(
      message: RefusedMessage,
      settle: () => Promise<T>,
    ): Promise<T | undefined> => {
      const result = await settleRefusedMessage(client, message, settle);
      if (result === undefined) log.debug({ ...message }, 'refused message settled before');
      return result;
    },
    keyColumnsOf: (table: TableId): Promise<readonly string[] | undefined> =>
      keys.columnsOf(client, table),
    isJobIncarnation: (incarnation: string): Promise<boolean> =>
      isJobIncarnation(client, incarnation),
  });
}
