/**
 * The job's logical replication slot (pgoutput). Created with the SQL function rather than on a
 * walsender: no exported snapshot is needed, because the snapshot is read in key-ordered pages
 * after the slot exists and the stream from the slot's consistent point replays every change
 * those pages may have missed or seen (ARCHITECTURE §5).
 */
import { replicatorError } from '@database-replicator/core';
import type pg from 'pg';

/** A slot as pg_replication_slots shows it. */
export type SlotState = Readonly<{
  database: string | null;
  plugin: string | null;
  /** `confirmed_flush_lsn`: the stream starts after it. */
  confirmedFlushLsn: string | null;
  active: boolean;
}>;

/** The slot's state, or `undefined` when it does not exist. */
export async function readSlotState(
  client: pg.ClientBase,
  name: string,
): Promise<SlotState | undefined> {
  const { rows } = await client.query<{
    database: string | null;
    plugin: string | null;
    confirmed_flush_lsn: string | null;
    active: boolean;
  }>(
    `SELECT database, plugin, confirmed_flush_lsn::text, active
       FROM pg_replication_slots WHERE slot_name = $1`,
    [name],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return Object.freeze({
    database: row.database,
    plugin: row.plugin,
    confirmedFlushLsn: row.confirmed_flush_lsn,
    active: row.active,
  });
}

/**
 * Creates slot `name` unless it exists.
 *
 * @returns The LSN the stream starts at: the new slot's consistent point, or an existing slot's
 *   confirmed flush LSN.
 * @throws ReplicatorError `REPL_SOURCE_SLOT_MISSING` when a slot of that name belongs to another
 *   database or plugin, `REPL_NATIVE_SLOT_FAILED` when it cannot be created.
 */
export async function ensureSlot(
  client: pg.ClientBase,
  name: string,
  database: string,
): Promise<Readonly<{ lsn: string; created: boolean }>> {
  const existing = await readSlotState(client, name);
  if (existing !== undefined)
    return { lsn: usableSlotLsn(existing, name, database), created: false };
  try {
    const { rows } = await client.query<{ lsn: string }>(
      "SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')",
      [name],
    );
    const lsn = rows[0]?.lsn;
    if (lsn === undefined) throw new Error('pg_create_logical_replication_slot returned no row');
    return { lsn, created: true };
  } catch (error) {
    // 42710: created meanwhile by another process of the same job; use it.
    const raced = await readSlotState(client, name);
    if (sqlState(error) === '42710' && raced !== undefined) {
      return { lsn: usableSlotLsn(raced, name, database), created: false };
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_NATIVE_SLOT_FAILED',
      `Cannot create replication slot ${name} in database ${database}: ${reason}`,
      { details: { database, slot: name }, cause: error },
    );
  }
}

/**
 * The confirmed flush LSN of a slot this job can stream from.
 *
 * @throws ReplicatorError `REPL_SOURCE_SLOT_MISSING` when the slot is a physical slot, or one
 *   of another database or output plugin.
 */
export function usableSlotLsn(slot: SlotState, name: string, database: string): string {
  if (slot.database !== database || slot.plugin !== 'pgoutput' || slot.confirmedFlushLsn === null) {
    throw replicatorError(
      'REPL_SOURCE_SLOT_MISSING',
      `Replication slot ${name} belongs to database ${slot.database ?? '(none: a physical slot)'} with plugin ${slot.plugin ?? '(none)'}, not to database ${database} with pgoutput`,
      {
        fix: 'Give the job a slot name of its own, or drop the other slot if nothing uses it.',
        details: { database, slot: name },
      },
    );
  }
  return slot.confirmedFlushLsn;
}

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * The confirmed flush LSN of the slot once no walsender holds it.
 *
 * @throws ReplicatorError `REPL_SOURCE_SLOT_MISSING` when the slot does not exist or is not
 *   this job's, `REPL_SOURCE_STREAM_FAILED` when another process still holds it after
 *   `timeoutMs`.
 */
export async function waitForIdleSlot(
  client: pg.ClientBase,
  name: string,
  database: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const slot = await readSlotState(client, name);
    if (slot === undefined) {
      throw replicatorError(
        'REPL_SOURCE_SLOT_MISSING',
        `Replication slot ${name} does not exist in database ${database}`,
        { details: { database, slot: name } },
      );
    }
    const lsn = usableSlotLsn(slot, name, database);
    if (!slot.active) return lsn;
    if (Date.now() > deadline) {
      throw replicatorError(
        'REPL_SOURCE_STREAM_FAILED',
        `Replication slot ${name} in database ${database} is still in use by another connection after ${timeoutMs} ms`,
        {
          fix: 'Stop the other extractor of this job (pg_replication_slots.active_pid names its walsender), then start this one again.',
          details: { database, slot: name },
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
