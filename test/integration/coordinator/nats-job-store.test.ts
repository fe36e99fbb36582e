/**
 * The job store through the coordinator: `serveJobStore` on one NATS connection over the
 * PostgreSQL store, `connectJobStore` on another. The job store contract passes unchanged (same
 * results, same error codes); then what only the transport shows: no coordinator, a malformed
 * request, a transient store failure, heartbeats, and shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, isReplicatorError } from '@database-replicator/core';
import {
  connectJobStore,
  isRetryableJobStoreError,
  publishHeartbeat,
  serveJobStore,
} from '@database-replicator/coordinator';
import { createClientPool, createPostgresJobStore } from '@database-replicator/postgres';
import type pg from 'pg';
import { describeWithServices } from '../../support/describe-with-services.js';
import { serveNatsJobStore, type NatsJobStore } from '../../support/nats-job-store.js';
import { withClient } from '../../support/postgres-databases.js';
import { freshNames, jobStoreContract, sourceTable } from './job-store-contract.js';

describeWithServices(['postgres', 'nats'], 'coordinator: job store over NATS', () => {
  // A prefix per run, so parallel runs on one NATS server never answer each other.
  // Sibling prefixes: a server on `a.b` also receives `a.b.c.…`, so none is under another.
  const base = `test.coordinator.${process.pid}.${Date.now()}`;
  const prefix = `${base}.main`;
  const heartbeatPrefix = `${base}.heartbeat`;
  let nats: NatsJobStore;

  beforeAll(async () => {
    nats = await serveNatsJobStore({
      database: 'coord_nats',
      name: 'coordinator test',
      subjectPrefix: prefix,
      heartbeatPrefix,
      poolSize: 4,
    });
  });
  afterAll(async () => {
    await nats?.close();
  });

  describe('contract through serveJobStore and connectJobStore', () => {
    jobStoreContract({
      store: () => nats.client,
      target: (sql, params) => nats.dbs.target(sql, params),
    });
  });

  it('reports a missing coordinator as unavailable and retryable', async () => {
    const nobody = connectJobStore(nats.clientNc, {
      subjectPrefix: `${base}.nobody`,
      timeoutMs: 500,
    });
    const failure = await nobody.listJobs().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'REPL_COORDINATOR_UNAVAILABLE' });
    expect(isRetryableJobStoreError(failure)).toBe(true);
  });

  it('times out when the coordinator does not answer in time', async () => {
    // A responder that never replies: the request waits for the timeout.
    const silent = nats.clientNc.subscribe(`${base}.silent.status.jobs`, {
      callback: () => undefined,
    });
    await nats.clientNc.flush();
    try {
      const slow = connectJobStore(nats.clientNc, {
        subjectPrefix: `${base}.silent`,
        timeoutMs: 300,
      });
      const started = Date.now();
      await expect(slow.listJobs()).rejects.toMatchObject({
        code: 'REPL_COORDINATOR_UNAVAILABLE',
        message: expect.stringContaining('no reply within 300 ms'),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      silent.unsubscribe();
    }
  });

  it('answers a malformed request with a coded error', async () => {
    const reply = await nats.clientNc.request(
      `${prefix}.snapshot.claim`,
      JSON.stringify({ jobId: 'j', worker: 'w', leaseMs: -5 }),
      { timeout: 5_000 },
    );
    expect(JSON.parse(reply.string())).toMatchObject({
      error: {
        code: 'REPL_COORDINATOR_MESSAGE_INVALID',
        message: expect.stringContaining('leaseMs'),
        transient: false,
      },
    });
    const notJson = await nats.clientNc.request(`${prefix}.status.jobs`, '{oops', {
      timeout: 5_000,
    });
    expect(JSON.parse(notJson.string())).toMatchObject({
      error: { code: 'REPL_COORDINATOR_MESSAGE_INVALID' },
    });
  });

  it('turns a transient store failure into a retryable error', async () => {
    const { jobId, schema } = freshNames();
    // Its own pool: the connection killed below stays out of the other tests' way.
    const flakyPool = createClientPool(new Secret(nats.dbs.targetUrl), { size: 1 });
    const flakyPrefix = `${base}.flaky`;
    const flaky = await serveJobStore(nats.serverNc, createPostgresJobStore(flakyPool), {
      subjectPrefix: flakyPrefix,
      heartbeatPrefix: `${base}.flaky-heartbeat`,
    });
    const remote = connectJobStore(nats.clientNc, { subjectPrefix: flakyPrefix });
    try {
      await remote.registerTables(jobId, [sourceTable(schema, 'items', { indexes: [] })]);
      // A phase change waits on a row lock the test holds; then its backend is terminated, as a
      // server restart would: the store fails with SQLSTATE 57P01, which is transient.
      const failure = await withClient(nats.dbs.targetUrl, async (locker) => {
        await locker.query('BEGIN');
        await locker.query('SELECT 1 FROM _replicator.job_tables WHERE job_id = $1 FOR UPDATE', [
          jobId,
        ]);
        const pending = remote
          .setTablePhase(jobId, { schema, table: 'items' }, 'streaming')
          .catch((error: unknown) => error);
        await expect.poll(() => terminateLockWaiters(locker)).toBe(1);
        await locker.query('ROLLBACK');
        return pending;
      });
      expect(isReplicatorError(failure, 'REPL_COORDINATOR_UNAVAILABLE')).toBe(true);
      expect(failure).toMatchObject({ details: { remoteCode: 'REPL_JOB_QUERY_FAILED' } });
      expect(isRetryableJobStoreError(failure)).toBe(true);
    } finally {
      await flaky.close();
      await flakyPool.close();
    }
  });

  it('keeps the last heartbeat of each extractor', async () => {
    const { jobId } = freshNames();
    const beats = [
      { position: null, events: 0, at: '2030-01-01T00:00:00.000Z' },
      { position: { kind: 'postgres', lsn: '0/16B3748', txIndex: 2 }, events: 10 },
    ] as const;
    publishHeartbeat(nats.clientNc, jobId, 'x1', beats[0], { prefix: heartbeatPrefix });
    publishHeartbeat(nats.clientNc, jobId, 'x1', beats[1], { prefix: heartbeatPrefix });
    publishHeartbeat(nats.clientNc, jobId, 'x2', beats[0], { prefix: heartbeatPrefix });
    nats.clientNc.publish(`${heartbeatPrefix}.${jobId}.x3`, '{"position": "nonsense"}');
    await nats.clientNc.flush();
    await expect.poll(() => nats.server.heartbeats(jobId).length).toBe(2);
    await expect.poll(() => nats.server.heartbeats(jobId)[0]?.heartbeat.events).toBe(10);
    expect(nats.server.heartbeats(jobId)).toMatchObject([
      { jobId, extractorId: 'x1', heartbeat: { position: beats[1].position, events: 10 } },
      { jobId, extractorId: 'x2', heartbeat: beats[0] },
    ]);
    expect(() =>
      publishHeartbeat(nats.clientNc, 'job.with.dots', 'x1', beats[0], { prefix: heartbeatPrefix }),
    ).toThrow(expect.objectContaining({ code: 'REPL_COORDINATOR_ID_INVALID' }));
  });

  it('stops answering once closed, and its done settles', async () => {
    const closingPrefix = `${base}.closing`;
    const controller = new AbortController();
    const closing = await serveJobStore(nats.serverNc, createPostgresJobStore(nats.pool), {
      subjectPrefix: closingPrefix,
      heartbeatPrefix: `${base}.closing-heartbeat`,
      signal: controller.signal,
    });
    const remote = connectJobStore(nats.clientNc, { subjectPrefix: closingPrefix, timeoutMs: 500 });
    expect(Array.isArray(await remote.listJobs())).toBe(true);
    controller.abort();
    await closing.done;
    await expect(remote.listJobs()).rejects.toMatchObject({ code: 'REPL_COORDINATOR_UNAVAILABLE' });
  });
});

async function terminateLockWaiters(locker: pg.Client): Promise<number> {
  const { rows } = await locker.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
  );
  return rows.length;
}
