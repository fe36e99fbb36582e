/**
 * The logical replication slot of one database, created on a replication connection with an
 * exported snapshot. The snapshot is exactly the state of the data at the slot's consistent
 * point: the dump reads it, and the subscription later streams every change after that point
 * from the slot, so nothing is lost or applied twice. The snapshot lives only while the
 * creating connection stays open and runs no other command, so that connection is handed back
 * idle and closed only after the dump.
 */
import { quoteIdent, replicatorError, type Logger, type Secret } from '@database-replicator/core';
import type pg from 'pg';
import { connectPostgres, type PostgresClient } from '../connection.js';
import { SLOT_RELEASE_TIMEOUT_MS } from './constants.js';

/** A freshly created slot whose exported snapshot is alive until `close()`. */
export type ExportedSnapshotSlot = Readonly<{
  name: string;
  /** Name to pass to pg_dump --snapshot and SET TRANSACTION SNAPSHOT. */
  snapshotName: string;
  /** LSN from which the slot streams changes, e.g. `0/1A2B3C4`. */
  consistentPoint: string;
  /** Closes the replication connection, which ends the snapshot (never throws). */
  close: () => Promise<void>;
}>;

type SlotRow = { slot_name: string; consistent_point: string; snapshot_name: string | null };

/**
 * Creates slot `name` (pgoutput) in `database` and exports its snapshot.
 *
 * @throws ReplicatorError `REPL_NATIVE_SLOT_FAILED` with the server's reason.
 */
export async function createSlotWithSnapshot(
  url: Secret,
  database: string,
  name: string,
  versionNum: number,
  logger: Logger,
): Promise<ExportedSnapshotSlot> {
  const connection: PostgresClient = await connectPostgres(url, {
    database: database,
    replication: true,
    logger,
  });
  // PostgreSQL 15 replaced the bare EXPORT_SNAPSHOT keyword by an option list.
  const option = versionNum >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
  try {
    const { rows } = await connection.query<SlotRow>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput ${option}`,
    );
    const row = rows[0];
    if (row?.snapshot_name === null || row?.snapshot_name === undefined)
      throw new Error('CREATE_REPLICATION_SLOT returned no snapshot');
    return Object.freeze({
      name,
      snapshotName: row.snapshot_name,
      consistentPoint: row.consistent_point,
      close: () => connection.close(),
    });
  } catch (error) {
    await connection.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_NATIVE_SLOT_FAILED',
      `Cannot create replication slot ${name} in database ${database}: ${reason}`,
      { details: { database, slot: name }, cause: error },
    );
  }
}

/** The slot's state, or `undefined` when it does not exist. */
export async function readSlot(
  client: pg.ClientBase,
  name: string,
): Promise<Readonly<{ active: boolean; database: string | null }> | undefined> {
  const { rows } = await client.query<{ active: boolean; database: string | null }>(
    'SELECT active, database FROM pg_replication_slots WHERE slot_name = $1',
    [name],
  );
  return rows[0];
}

/**
 * Drops slot `name` if it exists. A walsender still holding it (the connection of a killed run,
 * which the server has not noticed yet, or a subscription) is ended first; it is our slot, named
 * after our job. Gives up after {@link SLOT_RELEASE_TIMEOUT_MS}.
 *
 * @returns Whether a slot was dropped.
 */
export async function dropSlotIfExists(client: pg.ClientBase, name: string): Promise<boolean> {
  const deadline = Date.now() + SLOT_RELEASE_TIMEOUT_MS;
  for (;;) {
    const slot = await readSlot(client, name);
    if (slot === undefined) return false;
    if (!slot.active) {
      try {
        await client.query('SELECT pg_drop_replication_slot($1)', [name]);
        return true;
      } catch (error) {
        // 55006: it became active between the check and the drop; 42704: someone dropped it.
        const code =
          typeof error === 'object' && error !== null && 'code' in error ? error.code : '';
        if (code === '42704') return false;
        if (code !== '55006' || Date.now() > deadline) throw error;
      }
    } else {
      await client.query(
        'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
        [name],
      );
      if (Date.now() > deadline)
        throw new Error(`replication slot ${name} stayed active for ${SLOT_RELEASE_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
