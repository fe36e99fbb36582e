/**
 * The distributed pipeline (coordinator, loader and an extractor as child processes, on Kafka
 * and NATS) from a SQLite file (`extractor-sqlite`, its own bin) and from FerretDB
 * (`database-replicator run extractor-mongodb`, refresh mode): the snapshot and the changes made
 * after it (inserts, updates, deletes) reach the target, checked by reading both sides.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { quoteTable } from '@database-replicator/core';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import { tempDir, type TempDir } from '../source-sqlite/sqlite-harness.js';
import { createMongoDatabase, type MongoTestDatabase } from '../source-mongodb/mongo-harness.js';
import {
  ServiceGroup,
  allStreaming,
  kafkaView,
  serviceEnv,
  uniqueDeployment,
  type Deployment,
  type KafkaView,
  type ServiceProcess,
} from './services-support.js';

const ROWS = 200;

describeWithServices(
  ['postgres', 'kafka', 'nats', 'ferretdb'],
  'pipeline services: extractor-sqlite and extractor-mongodb',
  () => {
    let dbs: TestDatabases;
    let dir: TempDir;
    let mongo: MongoTestDatabase;
    let kafka: KafkaView;
    const deployments: Deployment[] = [];
    const services = new ServiceGroup();
    /** Coordinator and loader of a new deployment, and its extractor. */
    const deploy = (
      label: string,
      extractor: 'extractor-sqlite' | 'extractor-mongodb',
      launch: 'bin' | 'cli',
      sourceUrl: string,
    ): { deployment: Deployment; coordinator: ServiceProcess; extractor: ServiceProcess } => {
      const deployment = uniqueDeployment(label);
      deployments.push(deployment);
      const urls = { sourceUrl, targetUrl: dbs.targetUrl };
      const coordinator = services.start(
        'coordinator',
        'bin',
        serviceEnv('coordinator', deployment, urls),
      );
      services.start('loader', 'bin', serviceEnv('loader', deployment, urls));
      const child = services.start(extractor, launch, serviceEnv(extractor, deployment, urls));
      return { deployment, coordinator, extractor: child };
    };
    const streaming = async (coordinator: ServiceProcess, jobId: string): Promise<boolean> => {
      await coordinator.ready();
      return allStreaming(coordinator, jobId, 1);
    };

    beforeAll(async () => {
      dbs = await createTestDatabases('ps_sqlite_mongo');
      dir = tempDir('dr-ps-sqlite');
      mongo = await createMongoDatabase('ps_mongo');
      kafka = await kafkaView();
    }, 60_000);
    afterAll(async () => {
      await services.stopAll();
      for (const deployment of deployments) await kafka?.dropPrefix(deployment.topicPrefix);
      await kafka?.close();
      await mongo?.drop();
      await dbs?.drop();
      dir?.cleanup();
    });

    it('extractor-sqlite (bin): snapshot and trigger-captured changes reach the target', async () => {
      const file = dir.file('shop.sqlite');
      const sqlite = new Database(file);
      try {
        sqlite.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
        const insert = sqlite.prepare('INSERT INTO items VALUES (?, ?)');
        for (let n = 1; n <= ROWS; n += 1) insert.run(n, `item ${n}`);
        const { deployment, coordinator, extractor } = deploy(
          'sqlite',
          'extractor-sqlite',
          'bin',
          file,
        );
        await waitFor('the snapshot', () => streaming(coordinator, deployment.jobId), 60_000);
        expect((await extractor.waitForLog('extractor starting'))['name']).toBe('extractor-sqlite');
        sqlite.exec(`INSERT INTO items VALUES (1000, 'new');
          UPDATE items SET name = 'changed' WHERE id = 1; DELETE FROM items WHERE id = 2;`);
        const expected = sqlite.prepare('SELECT id, name FROM items ORDER BY id').all();
        const table = quoteTable({ schema: 'public', table: 'items' });
        const target = async () =>
          (await queryOnce(dbs.targetUrl, `SELECT id::int AS id, name FROM ${table} ORDER BY id`))
            .rows;
        await waitFor(
          'the changes',
          async () => JSON.stringify(await target()) === JSON.stringify(expected),
          60_000,
        );
      } finally {
        sqlite.close();
      }
    }, 120_000);

    it('run extractor-mongodb (CLI, refresh mode on FerretDB): snapshot and changes reach the target', async () => {
      const items = mongo.client.db(mongo.name).collection<{ _id: string; n: number }>('items');
      await items.insertMany(Array.from({ length: ROWS }, (_, n) => ({ _id: `k${n}`, n })));
      const { deployment, coordinator, extractor } = deploy(
        'mongo',
        'extractor-mongodb',
        'cli',
        mongo.url,
      );
      await waitFor('the snapshot', () => streaming(coordinator, deployment.jobId), 60_000);
      expect((await extractor.waitForLog('extractor starting'))['name']).toBe('extractor-mongodb');
      await items.insertOne({ _id: 'new', n: -1 });
      await items.updateOne({ _id: 'k0' }, { $set: { n: 42 } });
      await items.deleteOne({ _id: 'k1' });
      const table = quoteTable({ schema: mongo.name, table: 'items' });
      const expected = (await items.find({}).sort({ _id: 1 }).toArray()).map((doc) => [
        doc._id,
        doc.n,
      ]);
      const target = async () =>
        (
          await queryOnce(
            dbs.targetUrl,
            `SELECT _id, (document->'n'->>'$numberInt')::int AS n FROM ${table} ORDER BY _id COLLATE "C"`,
          )
        ).rows.map((row) => [row._id, row.n]);
      await waitFor(
        'the refresh',
        async () => JSON.stringify(await target()) === JSON.stringify(expected),
        60_000,
      );
    }, 120_000);
  },
);
