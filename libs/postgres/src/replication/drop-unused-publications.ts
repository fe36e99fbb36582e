/**
 * Cutover step (with --drop-slot): drop the source publications the dropped subscriptions used,
 * but only where we can tell nobody else uses them. A publication does not record its
 * subscribers; the evidence available is other subscriptions on the target cluster naming it and
 * other logical slots in the source database (each may belong to a subscriber elsewhere). When
 * either exists the publication is kept and the outcome says why.
 */
import { quoteIdent } from '@database-replicator/core';
import type pg from 'pg';
import { queryReplication } from './replication-query.js';

/** What happened to one publication. */
export type PublicationOutcome = Readonly<{
  name: string;
  action: 'dropped' | 'kept' | 'missing';
  /** Why it was kept or missing; null when dropped. */
  reason: string | null;
}>;

const OTHER_SUBSCRIPTIONS_SQL = `
SELECT d.datname || '.' || s.subname AS name
  FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
 WHERE $1 = ANY(s.subpublications)`;

const OTHER_SLOTS_SQL = `
SELECT slot_name::text AS name FROM pg_replication_slots
 WHERE database = current_database() AND slot_type = 'logical'`;

/**
 * Drops each of `names` on the source unless it is missing or may still be in use. Call after
 * the subscriptions and slots that used them are dropped.
 *
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` when a statement fails.
 */
export async function dropUnusedPublications(
  source: pg.ClientBase,
  target: pg.ClientBase,
  names: readonly string[],
): Promise<readonly PublicationOutcome[]> {
  const outcomes: PublicationOutcome[] = [];
  for (const name of new Set(names)) {
    outcomes.push(Object.freeze(await dropIfUnused(source, target, name)));
  }
  return Object.freeze(outcomes);
}

async function dropIfUnused(
  source: pg.ClientBase,
  target: pg.ClientBase,
  name: string,
): Promise<PublicationOutcome> {
  const exists = await queryReplication(
    source,
    'source',
    `reading publication ${name}`,
    'SELECT 1 FROM pg_publication WHERE pubname = $1',
    [name],
  );
  if (exists.length === 0)
    return { name, action: 'missing', reason: 'no such publication in the source database' };
  const subscriptions = await queryReplication<{ name: string }>(
    target,
    'target',
    `reading subscriptions of publication ${name}`,
    OTHER_SUBSCRIPTIONS_SQL,
    [name],
  );
  if (subscriptions.length > 0) {
    return {
      name,
      action: 'kept',
      reason: `subscriptions on the target cluster still name it: ${subscriptions.map((s) => s.name).join(', ')}`,
    };
  }
  const slots = await queryReplication<{ name: string }>(
    source,
    'source',
    'reading logical slots',
    OTHER_SLOTS_SQL,
  );
  if (slots.length > 0) {
    return {
      name,
      action: 'kept',
      reason: `other logical slots of the source database may use it (${slots.map((s) => s.name).join(', ')}); drop it with DROP PUBLICATION once no subscriber needs it`,
    };
  }
  await queryReplication(
    source,
    'source',
    `dropping publication ${name}`,
    `DROP PUBLICATION ${quoteIdent(name)}`,
  );
  return { name, action: 'dropped', reason: null };
}
