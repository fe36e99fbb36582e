/**
 * Verify's catch-up on a pipeline (libs/postgres findAppliedProgress) against real `_replicator`
 * tables, no pipeline running: checkpoints saved through the job store (with `sentUpTo`, and in
 * the form written before it existed) and stored positions written as the loader writes them.
 * The wait ends exactly when the checkpoint has reached the source position and every partition
 * it sent to has applied its last message; a stopped extractor is decided by what it sent, but
 * not while an embedded pipeline is connected.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, type SourcePosition } from '@database-replicator/core';
import {
  connectPostgres,
  createClientPool,
  createPostgresJobStore,
  findAppliedProgress,
  migrateReplicatorSchema,
  type PostgresClient,
  type PostgresClientPool,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const JOB = 'job1';
const TOPIC = 'dr.job1.sqlite.public.items';
const PIPELINE = 'database-replicator pipeline';

function seq(n: number): SourcePosition {
  return { kind: 'sqlite', sequence: String(n) };
}

describeWithServices(['postgres'], 'verify: applied up to a source position', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  let pool: PostgresClientPool;
  let store: ReturnType<typeof createPostgresJobStore>;
  let sourceAt = 0;

  /** A fresh wait (a run's waits remember what they saw applied). */
  const progress = () =>
    findAppliedProgress({
      readSourcePosition: () => Promise.resolve(seq(sourceAt)),
      target: pool,
      jobId: JOB,
      embeddedPipelineApplicationName: PIPELINE,
    });

  const waitFor = async (at: number): Promise<boolean> => {
    const found = await progress();
    if (found === null) throw new Error('no progress');
    return found.waitUntilApplied(JSON.stringify(seq(at)), 400);
  };

  const checkpoint = (stream: number, sent: readonly [number, number][]) =>
    store.saveCheckpoint(JOB, 'embedded', {
      start: seq(0),
      stream: seq(stream),
      snapshotDone: true,
      sentUpTo: sent.map(([partition, at]) => ({ topic: TOPIC, partition, position: seq(at) })),
    });

  /** What a loader's apply stores for `partition`. */
  const applied = (partition: number, at: number) =>
    dbs.target(
      `INSERT INTO _replicator.offsets (consumer_group, topic, partition, next_offset, source_position)
       VALUES ('dr-loader-job1', $1, $2, 1, $3::jsonb)
       ON CONFLICT (consumer_group, topic, partition)
       DO UPDATE SET source_position = EXCLUDED.source_position, updated_at = now()`,
      [TOPIC, partition, JSON.stringify(seq(at))],
    );

  beforeAll(async () => {
    dbs = await createTestDatabases('dr_applied_progress');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    store = createPostgresJobStore(client);
    pool = createClientPool(new Secret(dbs.targetUrl), { size: 1 });
  });

  afterAll(async () => {
    await pool?.close();
    await client?.close();
    await dbs?.drop();
  });

  it('has no progress while no checkpoint of the source kind exists', async () => {
    expect(await progress()).toBeNull();
    await dbs.target(
      `INSERT INTO _replicator.jobs (job_id) VALUES ('other');
       INSERT INTO _replicator.extractor_checkpoints (job_id, extractor_id, checkpoint)
       VALUES ('other', 'x', '{"start": {"kind": "postgres", "lsn": "0/1", "txIndex": 0},
         "stream": {"kind": "postgres", "lsn": "0/1", "txIndex": 0}, "snapshotDone": true}')`,
    );
    expect(await progress()).toBeNull();
  });

  it('waits for the checkpoint at the position and every partition it sent to', async () => {
    sourceAt = 8;
    await checkpoint(5, [
      [0, 4],
      [1, 5],
    ]);
    await applied(0, 4);
    await applied(1, 5);
    // The extractor (fresh checkpoint) has not read up to 8 yet.
    expect(await waitFor(8)).toBe(false);
    await checkpoint(9, [
      [0, 9],
      [1, 5],
    ]);
    // Partition 0's last message (9) is not applied yet.
    expect(await waitFor(8)).toBe(false);
    await applied(0, 9);
    expect(await waitFor(8)).toBe(true);
    // The source position as JSON text, as verify passes it along.
    const found = await progress();
    expect(JSON.parse((await found?.sourcePosition()) ?? 'null')).toEqual(seq(8));
  });

  it('decides a stopped extractor by what it sent, unless an embedded pipeline is connected', async () => {
    // Changes up to 20 that the extractor never read (a table it does not replicate, say).
    sourceAt = 20;
    expect(await waitFor(20)).toBe(false);
    await dbs.target(
      `UPDATE _replicator.extractor_checkpoints SET updated_at = now() - interval '10 seconds'
        WHERE job_id = $1`,
      [JOB],
    );
    const pipeline = await connectPostgres(new Secret(dbs.targetUrl), {
      applicationName: PIPELINE,
    });
    try {
      // Its checkpoints wait for its loader: a pause is not a stop.
      expect(await waitFor(20)).toBe(false);
    } finally {
      await pipeline.close();
    }
    expect(await waitFor(20)).toBe(true);
    // What it sent must still be applied.
    await checkpoint(9, [[0, 12]]);
    await dbs.target(
      `UPDATE _replicator.extractor_checkpoints SET updated_at = now() - interval '10 seconds'`,
    );
    expect(await waitFor(20)).toBe(false);
  });

  it('reads checkpoints stored before sentUpTo existed, and stores it', async () => {
    await dbs.target(
      `INSERT INTO _replicator.jobs (job_id) VALUES ('old');
       INSERT INTO _replicator.extractor_checkpoints (job_id, extractor_id, checkpoint)
       VALUES ('old', 'x', '{"start": {"kind": "sqlite", "sequence": "1"},
         "stream": {"kind": "sqlite", "sequence": "3"}, "snapshotDone": true}')`,
    );
    expect(await store.loadCheckpoint('old', 'x')).toStrictEqual({
      start: seq(1),
      stream: seq(3),
      snapshotDone: true,
    });
    const sentUpTo = [{ topic: TOPIC, partition: 2, position: seq(3) }];
    await store.saveCheckpoint('old', 'x', {
      start: seq(1),
      stream: seq(3),
      snapshotDone: true,
      sentUpTo,
    });
    expect((await store.loadCheckpoint('old', 'x'))?.sentUpTo).toStrictEqual(sentUpTo);
  });
});
