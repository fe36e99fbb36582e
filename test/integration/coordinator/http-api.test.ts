/**
 * The coordinator's HTTP status API on a real node http server (127.0.0.1, ephemeral port) over
 * the PostgreSQL job store, with extractor heartbeats received over NATS: `GET /jobs`,
 * `GET /jobs/:id/tables`, an unknown job, and paths left to the host server.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret } from '@database-replicator/core';
import {
  handleCoordinatorRequest,
  publishHeartbeat,
  serveJobStore,
  type JobStoreServer,
} from '@database-replicator/coordinator';
import {
  connectPostgres,
  createPostgresJobStore,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import type { CoordinatorJobStore } from '@database-replicator/pipeline';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { freshNames, sourceTable } from './job-store-contract.js';

describeWithServices(['postgres', 'nats'], 'coordinator: HTTP status API', () => {
  const subjects = `test.coordinator-http.${process.pid}.${Date.now()}`;
  const { jobId, schema } = freshNames();
  let dbs: TestDatabases;
  let pgClient: PostgresClient;
  let store: CoordinatorJobStore;
  let nc: NatsConnection;
  let coordinator: JobStoreServer;
  let http: Server;
  let base: string;

  beforeAll(async () => {
    dbs = await createTestDatabases('coord_http');
    pgClient = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(pgClient);
    store = createPostgresJobStore(pgClient);
    nc = await connect({ servers: requiredEnv('NATS_URL'), timeout: 5_000, reconnect: false });
    coordinator = await serveJobStore(nc, store, {
      subjectPrefix: `${subjects}.main`,
      heartbeatPrefix: `${subjects}.heartbeat`,
    });
    http = createServer((req, res) => {
      void handleCoordinatorRequest(req, res, store, {
        heartbeats: (id) => coordinator.heartbeats(id),
      }).then((served) => {
        if (served) return;
        res.writeHead(req.url === '/healthz' ? 200 : 404, { 'Content-Type': 'text/plain' });
        res.end(req.url === '/healthz' ? 'ok' : 'not found');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;

    await store.registerJob(jobId, { kind: 'postgres', name: 'shop' });
    await store.registerTables(jobId, [
      sourceTable(schema, 'items', { estimatedRows: 1000 }),
      sourceTable(schema, 'notes', { schemaOnly: true, estimatedRows: 3 }),
    ]);
    const claim = await store.claimSnapshotTable(jobId, 'w1', 60_000);
    if (claim === undefined) throw new Error('nothing to claim');
    await store.saveSnapshotProgress(jobId, 'w1', claim.table, {
      afterKey: { id: 250 },
      rows: 250,
      done: false,
    });
    publishHeartbeat(
      nc,
      jobId,
      'x1',
      { position: { kind: 'postgres', lsn: '0/3000060', txIndex: 0 }, events: 12 },
      { prefix: `${subjects}.heartbeat` },
    );
    await nc.flush();
    for (let wait = 0; coordinator.heartbeats(jobId).length === 0 && wait < 50; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  afterAll(async () => {
    await new Promise((resolve) => http?.close(resolve));
    await coordinator?.close();
    await nc?.drain();
    await pgClient?.close();
    await dbs?.drop();
  });

  it('lists jobs with phase counts, rows and extractors', async () => {
    const response = await fetch(`${base}/jobs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body: unknown = await response.json();
    expect(body).toEqual({
      jobs: [
        {
          jobId,
          sourceKind: 'postgres',
          sourceName: 'shop',
          tables: { pending: 0, snapshot: 1, snapshot_done: 1, streaming: 0, failed: 0 },
          rowsCopied: 250,
          estimatedRows: 1003,
          updatedAt: expect.stringMatching(/Z$/),
          extractors: [
            {
              jobId,
              extractorId: 'x1',
              heartbeat: {
                position: { kind: 'postgres', lsn: '0/3000060', txIndex: 0 },
                events: 12,
                at: expect.any(String),
              },
              receivedAt: expect.any(String),
            },
          ],
        },
      ],
    });
  });

  it("lists a job's tables", async () => {
    const response = await fetch(`${base}/jobs/${encodeURIComponent(jobId)}/tables`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      jobId,
      tables: [
        {
          schema,
          table: 'items',
          phase: 'snapshot',
          rowsCopied: 250,
          estimatedRows: 1000,
          lastError: null,
          updatedAt: expect.any(String),
        },
        {
          schema,
          table: 'notes',
          phase: 'snapshot_done',
          rowsCopied: 0,
          estimatedRows: 3,
          lastError: null,
          updatedAt: expect.any(String),
        },
      ],
    });
  });

  it('answers 404 with a coded JSON error for an unknown job', async () => {
    const response = await fetch(`${base}/jobs/no-such-job/tables`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        code: 'REPL_JOB_NOT_FOUND',
        message: 'job "no-such-job" does not exist',
        fix: expect.stringContaining('GET /jobs'),
        details: { jobId: 'no-such-job' },
      },
    });
  });

  it('leaves other paths to the host server and refuses other methods', async () => {
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${base}/jobs/${jobId}`)).status).toBe(404);
    const post = await fetch(`${base}/jobs`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
