/**
 * A stream checkpoint's `sentUpTo` (verify's exact catch-up) through the coordinator: saved by
 * an extractor over NATS, stored by the PostgreSQL store, loaded back over NATS unchanged; a
 * checkpoint without it stays without it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, type SourcePosition } from '@database-replicator/core';
import {
  connectJobStore,
  serveJobStore,
  type JobStoreServer,
} from '@database-replicator/coordinator';
import {
  connectPostgres,
  createClientPool,
  createPostgresJobStore,
  migrateReplicatorSchema,
  type PostgresClientPool,
} from '@database-replicator/postgres';
import type { CoordinatorJobStore, ExtractorCheckpoint } from '@database-replicator/pipeline';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const natsConnect = (name: string): Promise<NatsConnection> =>
  connect({ servers: requiredEnv('NATS_URL'), name, timeout: 5_000, reconnect: false });

function binlog(pos: number, eventIndex = 0): SourcePosition {
  return { kind: 'mysql', gtidSet: '0-1-7', file: 'mysql-bin.000003', pos, eventIndex };
}

describeWithServices(['postgres', 'nats'], 'coordinator: checkpoint sentUpTo over NATS', () => {
  const prefix = `test.coordinator.sentupto.${process.pid}.${Date.now()}`;
  let dbs: TestDatabases;
  let pool: PostgresClientPool;
  let serverNc: NatsConnection;
  let clientNc: NatsConnection;
  let server: JobStoreServer;
  let client: CoordinatorJobStore;

  beforeAll(async () => {
    dbs = await createTestDatabases('coord_sentupto');
    const admin = await connectPostgres(new Secret(dbs.targetUrl));
    try {
      await migrateReplicatorSchema(admin);
    } finally {
      await admin.close();
    }
    pool = createClientPool(new Secret(dbs.targetUrl), { size: 2 });
    serverNc = await natsConnect('sentUpTo test: server');
    clientNc = await natsConnect('sentUpTo test: client');
    server = await serveJobStore(serverNc, createPostgresJobStore(pool), { subjectPrefix: prefix });
    client = connectJobStore(clientNc, { subjectPrefix: prefix, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await server?.close();
    await clientNc?.drain();
    await serverNc?.drain();
    await pool?.close();
    await dbs?.drop();
  });

  it('round-trips sentUpTo, and its absence', async () => {
    const plain: ExtractorCheckpoint = {
      start: binlog(4),
      stream: binlog(900),
      snapshotDone: true,
    };
    await client.saveCheckpoint('job', 'x', plain);
    expect(await client.loadCheckpoint('job', 'x')).toStrictEqual(plain);
    const sent: ExtractorCheckpoint = {
      ...plain,
      stream: binlog(1200),
      sentUpTo: [
        { topic: 'dr.job.src.app.items', partition: 0, position: binlog(1100, 3) },
        { topic: 'dr.job.src.app.items', partition: 5, position: binlog(1200, 0) },
      ],
    };
    await client.saveCheckpoint('job', 'x', sent);
    expect(await client.loadCheckpoint('job', 'x')).toStrictEqual(sent);
    const { rows } = await dbs.target(
      `SELECT checkpoint -> 'sentUpTo' AS sent FROM _replicator.extractor_checkpoints
        WHERE job_id = 'job' AND extractor_id = 'x'`,
    );
    expect(rows[0]?.['sent']).toEqual(sent.sentUpTo);
  });
});
