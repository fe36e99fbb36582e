/**
 * Change streams need a replica set (or a mongos); FerretDB has none. This suite runs only where
 * MONGO_RS_URL points at one; otherwise it is reported as NOT RUN with the reason, on stderr and
 * as a skipped suite, never as a pass.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Int32, ObjectId, type Collection, type Document } from 'mongodb';
import { createLogger } from '@database-replicator/core';
import { createMongoSource, idText, readServerInfo } from '@database-replicator/source-mongodb';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  bsonComparable,
  createMongoDatabase,
  runPipeline,
  sourceDocuments,
  targetDocuments,
  type MongoTestDatabase,
} from './mongo-harness.js';

/** A filter on `_id` of any type (the driver's types assume ObjectId). */
function byId(id: unknown): Document {
  return { _id: id };
}
const NAME = 'MongoDB source: change streams (replica set)';
const replicaSetUrl = process.env['MONGO_RS_URL'] ?? '';

if (replicaSetUrl === '') {
  process.stderr.write(
    `NOT RUN: suite "${NAME}": MONGO_RS_URL is not set; change streams need a MongoDB replica set and the FerretDB at MONGO_URL has none\n`,
  );
  describe.skip(`${NAME} — NOT RUN: MONGO_RS_URL is not set`, () => {
    it('streams inserts, updates and deletes after the snapshot', () => undefined);
  });
} else {
  describe(NAME, () => {
    let dbs: TestDatabases;
    let mongo: MongoTestDatabase;
    let items: Collection;

    beforeAll(async () => {
      dbs = await createTestDatabases('dr_mongo_cs');
      mongo = await createMongoDatabase('dr_mongo_cs', 'MONGO_RS_URL');
      items = mongo.client.db(mongo.name).collection('items');
      await items.insertMany(Array.from({ length: 100 }, (_, n) => ({ n: new Int32(n) })));
    });

    afterAll(async () => {
      await mongo?.drop();
      await dbs?.drop();
    });

    it('streams inserts, updates and deletes after the snapshot', async () => {
      expect((await readServerInfo(mongo.client)).changeStreams).toBe(true);
      const source = createMongoSource({
        url: mongo.url,
        name: 'shop',
        logger: createLogger({ level: 'silent' }),
        mode: 'changeStream',
      });
      const controller = new AbortController();
      const done = runPipeline(source, dbs.targetUrl, {
        stream: true,
        signal: controller.signal,
        jobId: randomBytes(6).toString('hex'),
      });
      try {
        const target = () => targetDocuments(dbs.targetUrl, mongo.name, 'items');
        await waitFor(
          'snapshot',
          async () => (await target().catch(() => new Map())).size === 100,
          30_000,
          50,
        );
        const [victim, changed] = await items.find({}).limit(2).toArray();
        await items.insertOne({ _id: new ObjectId(), inserted: true });
        await items.replaceOne(byId(changed?.['_id']), { replaced: new Int32(1) });
        await items.updateOne(byId(changed?.['_id']), { $set: { updated: true } });
        await items.deleteOne(byId(victim?.['_id']));
        const equal = async (): Promise<boolean> => {
          const expected = await sourceDocuments(mongo.client, mongo.name, 'items', idText);
          const actual = await target();
          return (
            actual.size === expected.size &&
            [...expected].every(
              ([id, doc]) =>
                JSON.stringify(bsonComparable(actual.get(id))) ===
                JSON.stringify(bsonComparable(doc)),
            )
          );
        };
        await waitFor('target equals source', equal, 20_000, 50);
      } finally {
        controller.abort();
        await done;
        await source.close();
      }
    }, 60_000);
  });
}
