/**
 * The PostgreSQL job store on a real target: the job store contract on a connection pool, then
 * what only the direct store shows: workers on separate connections (as separate processes
 * would be) sharing a snapshot, a single queued client, malformed stored state, and DDL text
 * that tries to run a second statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '@database-replicator/core';
import {
  connectPostgres,
  createClientPool,
  createPostgresJobStore,
  migrateReplicatorSchema,
  type PostgresClient,
  type PostgresClientPool,
} from '@database-replicator/postgres';
import type { CoordinatorJobStore } from '@database-replicator/pipeline';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { freshNames, jobStoreContract, sourceTable } from './job-store-contract.js';

describeWithServices(['postgres'], 'coordinator: PostgreSQL job store', () => {
  let dbs: TestDatabases;
  let pool: PostgresClientPool;
  let store: CoordinatorJobStore;
  const clients: PostgresClient[] = [];

  const connect = async (): Promise<PostgresClient> => {
    const client = await connectPostgres(new Secret(dbs.targetUrl));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dbs = await createTestDatabases('coord_store');
    await migrateReplicatorSchema(await connect());
    pool = createClientPool(new Secret(dbs.targetUrl), { size: 4 });
    // Typed as the pipeline's contract: a drift between the structural copy and it fails here.
    store = createPostgresJobStore(pool);
  });
  afterAll(async () => {
    await pool?.close();
    await Promise.all(clients.map((client) => client.close()));
    await dbs?.drop();
  });

  describe('contract on a pool', () => {
    jobStoreContract({ store: () => store, target: (sql, params) => dbs.target(sql, params) });
  });

  it('shares a snapshot between workers on separate connections, each table once', async () => {
    const { jobId, schema } = freshNames();
    const names = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await store.registerTables(
      jobId,
      names.map((name) => sourceTable(schema, name)),
    );
    const workers = await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map(async (worker) => ({
        worker,
        store: createPostgresJobStore(await connect()),
      })),
    );
    const finished = await Promise.all(
      workers.map(async ({ worker, store: own }) => {
        const tables: string[] = [];
        for (;;) {
          const claim = await own.claimSnapshotTable(jobId, worker, 60_000);
          if (claim === undefined) return tables;
          await own.saveSnapshotProgress(jobId, worker, claim.table, {
            afterKey: { id: 1 },
            rows: 1,
            done: true,
          });
          tables.push(claim.table.table);
        }
      }),
    );
    expect(finished.flat().sort()).toEqual(names);
    expect(finished.filter((tables) => tables.length > 0).length).toBeGreaterThan(1);
    const { rows } = await dbs.target(
      'SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE $2',
      [schema, '%_label_idx'],
    );
    expect(rows[0]).toEqual({ n: 30 });
  });

  it('queues concurrent calls on one client so transactions never interleave', async () => {
    const { jobId, schema } = freshNames();
    const single = createPostgresJobStore(await connect());
    await single.registerTables(
      jobId,
      ['a', 'b', 'c', 'd'].map((name) => sourceTable(schema, name)),
    );
    const claims = await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map((worker) => single.claimSnapshotTable(jobId, worker, 60_000)),
    );
    await Promise.all(
      claims.map((claim, i) =>
        claim === undefined
          ? Promise.resolve()
          : single.saveSnapshotProgress(jobId, `w${i + 1}`, claim.table, {
              afterKey: null,
              rows: 0,
              done: true,
            }),
      ),
    );
    expect((await single.listJobTables(jobId))?.map((table) => table.phase)).toEqual([
      'snapshot_done',
      'snapshot_done',
      'snapshot_done',
      'snapshot_done',
    ]);
  });

  it('refuses a malformed stored checkpoint', async () => {
    const { jobId } = freshNames();
    await store.saveCheckpoint(jobId, 'x1', {
      start: { kind: 'postgres', lsn: '0/1', txIndex: 0 },
      stream: { kind: 'postgres', lsn: '0/1', txIndex: 0 },
      snapshotDone: false,
    });
    await dbs.target(
      `UPDATE _replicator.extractor_checkpoints
          SET checkpoint = jsonb_set(checkpoint, '{stream,lsn}', '"not-an-lsn"')
        WHERE job_id = $1`,
      [jobId],
    );
    await expect(store.loadCheckpoint(jobId, 'x1')).rejects.toMatchObject({
      code: 'REPL_JOB_STATE_INVALID',
      message: expect.stringContaining('stream.lsn'),
    });
  });

  it('runs DDL text as a single statement', async () => {
    const { jobId, schema } = freshNames();
    await dbs.target('CREATE TABLE IF NOT EXISTS public.victim (id int)');
    const smuggled = sourceTable(schema, 'items', {
      schemaOnly: true,
      indexes: [`CREATE INDEX ON "${schema}".items (label); DROP TABLE public.victim`],
    });
    await expect(store.registerTables(jobId, [smuggled])).rejects.toMatchObject({
      code: 'REPL_JOB_QUERY_FAILED',
      message: expect.stringContaining('multiple commands'),
    });
    const { rows } = await dbs.target("SELECT to_regclass('public.victim') IS NOT NULL AS present");
    expect(rows[0]).toEqual({ present: true });
    // The failed registration was rolled back as a whole.
    expect(await store.listJobTables(jobId)).toBeUndefined();
  });
});
