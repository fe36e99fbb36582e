/**
 * Waiting for logical replication to catch up, independently of the code under test: the
 * source's current WAL position is read once (call this after the writers stopped), then every
 * logical slot of the database is polled until its confirmed_flush_lsn (what the subscriber has
 * durably applied) reaches it. Slots are found by database, not by the names our code gives them.
 * The message emitted to force a flush is written in the database `sourceUrl` names; use an
 * administrative database there, so no subscription of the tested database receives it.
 */
import pg from 'pg';

/**
 * A WAL position at or after the end of every transaction committed so far, and flushed.
 *
 * pg_current_wal_lsn() is not enough: it is the WRITE position, and with synchronous_commit =
 * off (the test clusters) a commit may still sit in the WAL buffers, before that position. The
 * insert position covers every inserted record; a transactional message committed with
 * synchronous_commit = on right after it forces the WAL to disk, so the walsender (which only
 * reads flushed WAL) gets past the position promptly.
 */
async function currentPosition(client: pg.Client): Promise<string> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL synchronous_commit = on');
    const { rows } = await client.query<{ lsn: string }>(
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    await client.query("SELECT pg_logical_emit_message(true, 'dr-test', 'catch-up')");
    await client.query('COMMIT');
    const lsn = rows[0]?.lsn;
    if (lsn === undefined) throw new Error('pg_current_wal_insert_lsn() returned nothing');
    return lsn;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Resolves once every logical slot of `database` on the source cluster has confirmed the WAL
 * written so far.
 *
 * @param sourceUrl - Any database on the source cluster.
 * @throws Error naming the slots and positions after `timeoutMs`, or when the database has no
 *   logical slot.
 */
export async function waitForReplicationCatchUp(
  sourceUrl: string,
  database: string,
  timeoutMs = 60_000,
): Promise<void> {
  const client = new pg.Client({ connectionString: sourceUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const target = await currentPosition(client);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const slots = await client.query<{
        slot_name: string;
        flushed: string | null;
        caught_up: boolean;
      }>(
        `SELECT slot_name, confirmed_flush_lsn::text AS flushed,
                coalesce(confirmed_flush_lsn >= $2::pg_lsn, false) AS caught_up
           FROM pg_replication_slots
          WHERE database = $1 AND slot_type = 'logical'`,
        [database, target],
      );
      if (slots.rows.length === 0)
        throw new Error(`database ${database} has no logical replication slot`);
      if (slots.rows.every((slot) => slot.caught_up)) return;
      if (Date.now() > deadline) {
        const state = slots.rows.map((s) => `${s.slot_name} at ${s.flushed ?? 'null'}`).join(', ');
        throw new Error(
          `replication of ${database} did not reach ${target} within ${timeoutMs} ms: ${state}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}
