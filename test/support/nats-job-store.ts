/**
 * The PostgreSQL job store served over NATS, for the coordinator suites: a fresh database pair
 * whose target holds the replicator schema, the store served on one NATS connection and a
 * client of it on another, all released by one `close()`.
 */
import { Secret } from '@database-replicator/core';
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
import type { CoordinatorJobStore } from '@database-replicator/pipeline';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { requiredEnv } from './describe-with-services.js';
import { createTestDatabases, type TestDatabases } from './postgres-databases.js';

/** A connection to the test NATS server named `name`, failing fast instead of reconnecting. */
export function natsConnect(name: string): Promise<NatsConnection> {
  return connect({ servers: requiredEnv('NATS_URL'), name, timeout: 5_000, reconnect: false });
}

/** How {@link serveNatsJobStore} sets up. */
export type NatsJobStoreOptions = Readonly<{
  /** Prefix of the database pair's names (see `createTestDatabases`). */
  database: string;
  /** What the NATS connections are named after (`<name>: server`, `<name>: client`). */
  name: string;
  subjectPrefix: string;
  heartbeatPrefix?: string;
  poolSize: number;
}>;

/** What {@link serveNatsJobStore} opened; `close()` releases it all, in reverse order. */
export type NatsJobStore = Readonly<{
  dbs: TestDatabases;
  /** The store's pool on the target. */
  pool: PostgresClientPool;
  serverNc: NatsConnection;
  clientNc: NatsConnection;
  server: JobStoreServer;
  /** The store as an extractor sees it: requests over `clientNc`, 5 s timeout. */
  client: CoordinatorJobStore;
  close: () => Promise<void>;
}>;

/**
 * Serves the PostgreSQL job store of a fresh target over NATS under `subjectPrefix`.
 *
 * @throws What a step throws, after releasing what the earlier steps opened.
 */
export async function serveNatsJobStore(options: NatsJobStoreOptions): Promise<NatsJobStore> {
  const releases: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (let release = releases.pop(); release !== undefined; release = releases.pop()) {
      await release();
    }
  };
  try {
    const dbs = await createTestDatabases(options.database);
    releases.push(() => dbs.drop());
    const admin = await connectPostgres(new Secret(dbs.targetUrl));
    try {
      await migrateReplicatorSchema(admin);
    } finally {
      await admin.close();
    }
    const pool = createClientPool(new Secret(dbs.targetUrl), { size: options.poolSize });
    releases.push(() => pool.close());
    const serverNc = await natsConnect(`${options.name}: server`);
    releases.push(() => serverNc.drain());
    const clientNc = await natsConnect(`${options.name}: client`);
    releases.push(() => clientNc.drain());
    const server = await serveJobStore(serverNc, createPostgresJobStore(pool), {
      subjectPrefix: options.subjectPrefix,
      ...(options.heartbeatPrefix === undefined
        ? {}
        : { heartbeatPrefix: options.heartbeatPrefix }),
    });
    releases.push(() => server.close());
    const client = connectJobStore(clientNc, {
      subjectPrefix: options.subjectPrefix,
      timeoutMs: 5_000,
    });
    return { dbs, pool, serverNc, clientNc, server, client, close };
  } catch (error) {
    await close();
    throw error;
  }
}
