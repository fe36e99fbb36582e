/**
 * Smoke test for the postgres service (test/services/lib/postgres.sh): two separate clusters, both
 * able to feed logical replication, and a pgoutput stream that only advances when acknowledged.
 */
import { Client } from 'pg';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import { waitFor } from '../../support/wait-for.js';

/** Rejects with a message naming `what` when `promise` takes longer than `timeoutMs`. */
function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Drops a logical slot, first ending the walsender that may still hold it after a disconnect. */
async function dropSlot(client: Client, slot: string): Promise<void> {
  await waitFor(
    `drop replication slot ${slot}`,
    async () => {
      await client.query(
        `select pg_terminate_backend(active_pid) from pg_replication_slots
        where slot_name = $1 and active_pid is not null`,
        [slot],
      );
      try {
        await client.query(
          'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1',
          [slot],
        );
      } catch {
        return false; // still active: the terminated walsender has not released it yet
      }
      const left = await client.query('select 1 from pg_replication_slots where slot_name = $1', [
        slot,
      ]);
      return left.rowCount === 0;
    },
    10_000,
    100,
  );
}

describeWithServices(['postgres'], 'postgres smoke', () => {
  // Unique per run, so parallel runs against the same servers do not collide.
  const suffix = `${Date.now().toString(36)}_${process.pid}`;
  const table = `smoke_${suffix}`;
  const publication = `smoke_pub_${suffix}`;
  const slot = `smoke_slot_${suffix}`;

  let sourceUrl: string;
  let source: Client | undefined;
  let target: Client | undefined;
  let service: LogicalReplicationService | undefined;

  beforeAll(async () => {
    // Read here, not in the describe body: that body also runs when the suite is skipped.
    sourceUrl = requiredEnv('PG_SOURCE_URL');
    source = new Client({ connectionString: sourceUrl });
    target = new Client({ connectionString: requiredEnv('PG_TARGET_URL') });
    await Promise.all([source.connect(), target.connect()]);
  });

  afterAll(async () => {
    await service?.destroy();
    if (source !== undefined) {
      await dropSlot(source, slot);
      await source.query(`drop publication if exists ${publication}`);
      await source.query(`drop table if exists ${table}`);
    }
    await Promise.all([source?.end(), target?.end()]);
  });

  function clients(): [Client, Client] {
    if (source === undefined || target === undefined) throw new Error('beforeAll did not connect');
    return [source, target];
  }

  it('runs two separate clusters, both with wal_level=logical', async () => {
    const [src, tgt] = clients();
    for (const client of [src, tgt]) {
      const { rows } = await client.query<{ wal_level: string }>('show wal_level');
      expect(rows[0]?.wal_level).toBe('logical');
    }
    const systemId = async (client: Client): Promise<string | undefined> => {
      const { rows } = await client.query<{ id: string }>(
        'select system_identifier::text as id from pg_control_system()',
      );
      return rows[0]?.id;
    };
    const [sourceId, targetId] = await Promise.all([systemId(src), systemId(tgt)]);
    expect(sourceId).toMatch(/^\d+$/);
    expect(targetId).toMatch(/^\d+$/);
    expect(sourceId).not.toBe(targetId);
  });

  it('streams a pgoutput insert and advances the slot only on manual acknowledgement', async () => {
    const [src] = clients();
    await src.query(`create table ${table} (id integer primary key, name text not null)`);
    await src.query(`create publication ${publication} for table ${table}`);
    await src.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);

    const confirmedFlush = async (): Promise<string> => {
      const { rows } = await src.query<{ lsn: string }>(
        'select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1',
        [slot],
      );
      const lsn = rows[0]?.lsn;
      if (lsn === undefined) throw new Error(`slot ${slot} has no confirmed_flush_lsn`);
      return lsn;
    };
    const createdAt = await confirmedFlush();
    const lsnAtLeast = async (lsn: string, floor: string): Promise<boolean> => {
      const { rows } = await src.query<{ ok: boolean }>('select $1::pg_lsn >= $2::pg_lsn as ok', [
        lsn,
        floor,
      ]);
      return rows[0]?.ok === true;
    };

    const replication = new LogicalReplicationService(
      { connectionString: sourceUrl },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    service = replication;
    // The slot is acknowledged with the transaction's commit-end LSN (what a replicator stores
    // as its checkpoint): the insert's own LSN can equal the slot's starting point.
    const received = new Promise<{ lsn: string; insert: Pgoutput.MessageInsert }>(
      (resolve, reject) => {
        let insert: Pgoutput.MessageInsert | undefined;
        replication.on('data', (_lsn: string, message: Pgoutput.Message) => {
          if (message.tag === 'insert' && message.relation.name === table) insert = message;
          if (message.tag === 'commit' && insert !== undefined && message.commitEndLsn !== null) {
            resolve({ lsn: message.commitEndLsn, insert });
          }
        });
        replication.on('error', reject);
        // Settles only when the stream ends; a rejection (refused, bad slot, dropped) fails the wait.
        replication
          .subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] }), slot)
          .catch(reject);
      },
    );

    await src.query(`insert into ${table} (id, name) values (1, 'first row')`);
    const { lsn, insert } = await within('pgoutput insert and commit', 15_000, received);

    expect(insert.relation.schema).toBe('public');
    expect(insert.new).toEqual({ id: 1, name: 'first row' });
    // Nothing was acknowledged yet, so the slot has not moved.
    expect(await confirmedFlush()).toBe(createdAt);
    expect(await lsnAtLeast(lsn, createdAt)).toBe(true);
    expect(lsn).not.toBe(createdAt);

    expect(await replication.acknowledge(lsn)).toBe(true);
    await waitFor(
      `confirmed_flush_lsn of ${slot} reaches ${lsn}`,
      async () => lsnAtLeast(await confirmedFlush(), lsn),
      10_000,
      100,
    );
    expect(await confirmedFlush()).not.toBe(createdAt);
  });
});
