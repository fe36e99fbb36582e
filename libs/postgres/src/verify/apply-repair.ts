/**
 * `verify --repair` on the PostgreSQL target: change events rebuilt from the source for the
 * differing keys, applied through the loader's own path (`applyChangeBatch`), so repaired rows
 * are written exactly as replication writes them. The batch is recorded under its own consumer
 * group and topic in `_replicator.offsets`; each repair continues after the offsets stored by
 * the previous one, since applyChangeBatch skips events below them.
 */
import {
  formatTableRef,
  type ChangeEvent,
  type Secret,
  type TableId,
} from '@database-replicator/core';
import { connectPostgres } from '../connection.js';
import { migrateReplicatorSchema } from '../writer/migrate.js';
import { applyChangeBatch } from '../writer/apply-change-batch.js';
import type { ApplyResult } from '../writer/change-batch.js';
import { partitionKey } from '../writer/plan-change-batch.js';
import { readStoredOffsets } from '../writer/stored-offsets.js';

/** The consumer group repairs are recorded under in `_replicator.offsets`. */
export const REPAIR_CONSUMER_GROUP = 'database-replicator-verify-repair';

/**
 * Applies `events` (upserts and deletes of one table, built like the extractor's) to `table` on
 * `target`, migrating `_replicator` first when the target has never been loaded by us.
 *
 * @throws ReplicatorError what `connectPostgres`, `migrateReplicatorSchema` and
 *   `applyChangeBatch` throw; nothing is applied then.
 */
export async function applyRepairEvents(
  target: Secret,
  table: TableId,
  keyColumns: readonly string[],
  events: readonly ChangeEvent[],
): Promise<ApplyResult> {
  const client = await connectPostgres(target, { applicationName: 'database-replicator repair' });
  try {
    await migrateReplicatorSchema(client);
    const topic = `verify-repair.${formatTableRef(table)}`;
    const stored = await readStoredOffsets(client, REPAIR_CONSUMER_GROUP);
    const first = stored.get(partitionKey(topic, 0)) ?? 0n;
    return await applyChangeBatch(client, {
      consumerGroup: REPAIR_CONSUMER_GROUP,
      table,
      keyColumns,
      events: events.map((event, index) => ({
        event,
        topic,
        partition: 0,
        offset: (first + BigInt(index)).toString(),
      })),
    });
  } finally {
    await client.close();
  }
}
