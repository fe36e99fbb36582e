/**
 * A stream checkpoint's `sentUpTo` (verify's exact catch-up) through the coordinator: saved by
 * an extractor over NATS, stored by the PostgreSQL store, loaded back over NATS unchanged; a
 * checkpoint without it stays without it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SourcePosition } from '@database-replicator/core';
import type { ExtractorCheckpoint } from '@database-replicator/pipeline';
import { describeWithServices } from '../../support/describe-with-services.js';
import { serveNatsJobStore, type NatsJobStore } from '../../support/nats-job-store.js';

function binlog(pos: number, eventIndex = 0): SourcePosition {
  return { kind: 'mysql', gtidSet: '0-1-7', file: 'mysql-bin.000003', pos, eventIndex };
}

describeWithServices(['postgres', 'nats'], 'coordinator: checkpoint sentUpTo over NATS', () => {
  let nats: NatsJobStore;

  beforeAll(async () => {
    nats = await serveNatsJobStore({
      database: 'coord_sentupto',
      name: 'sentUpTo test',
      subjectPrefix: `test.coordinator.sentupto.${process.pid}.${Date.now()}`,
      poolSize: 2,
    });
  });

  afterAll(async () => {
    await nats?.close();
  });

  it('round-trips sentUpTo, and its absence', async () => {
    const plain: ExtractorCheckpoint = {
      start: binlog(4),
      stream: binlog(900),
      snapshotDone: true,
    };
    await nats.client.saveCheckpoint('job', 'x', plain);
    expect(await nats.client.loadCheckpoint('job', 'x')).toStrictEqual(plain);
    const sent: ExtractorCheckpoint = {
      ...plain,
      stream: binlog(1200),
      sentUpTo: [
        { topic: 'dr.job.src.app.items', partition: 0, position: binlog(1100, 3) },
        { topic: 'dr.job.src.app.items', partition: 5, position: binlog(1200, 0) },
      ],
    };
    await nats.client.saveCheckpoint('job', 'x', sent);
    expect(await nats.client.loadCheckpoint('job', 'x')).toStrictEqual(sent);
    const { rows } = await nats.dbs.target(
      `SELECT checkpoint -> 'sentUpTo' AS sent FROM _replicator.extractor_checkpoints
        WHERE job_id = 'job' AND extractor_id = 'x'`,
    );
    expect(rows[0]?.['sent']).toEqual(sent.sentUpTo);
  });
});
