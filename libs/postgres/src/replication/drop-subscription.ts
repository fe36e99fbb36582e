/**
 * Cutover step (with --drop-slot): remove a disabled subscription from the target. It is first
 * detached from its slot (`slot_name = NONE`) so that DROP SUBSCRIPTION does not reach for the
 * source; the slot is then dropped on the source by dropReplicationSlot, which can also end a
 * walsender that still holds it.
 */
import { quoteIdent } from '@database-replicator/core';
import type pg from 'pg';
import { queryReplication } from './replication-query.js';

/**
 * Detaches the disabled subscription `name` from its slot and drops it. The slot stays on the
 * source.
 *
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` when a statement fails (e.g. the
 *   subscription is still enabled).
 */
export async function dropSubscription(target: pg.ClientBase, name: string): Promise<void> {
  const quoted = quoteIdent(name);
  await queryReplication(
    target,
    'target',
    `detaching subscription ${name} from its slot`,
    `ALTER SUBSCRIPTION ${quoted} SET (slot_name = NONE)`,
  );
  await queryReplication(
    target,
    'target',
    `dropping subscription ${name}`,
    `DROP SUBSCRIPTION ${quoted}`,
  );
}
