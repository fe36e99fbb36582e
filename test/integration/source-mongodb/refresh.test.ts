/**
 * Refresh mode on FerretDB (no change streams): after the snapshot, inserts, updates and deletes
 * made while a writer runs reach the target; a change reaches it within about one refresh
 * interval; an independent comparison of source documents and target rows finds them identical.
 * Then the pipeline stops, the source changes (including deletes) while it is down, and a restart
 * from the checkpoint finds every change: the refresh state survives the restart on disk. When
 * that state is lost while stopped, the restart copies the collection again (the target table
 * emptied first, so rows deleted meanwhile go too) and streams on from the new start.
 */
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Int32, ObjectId, type Collection, type Document } from 'mongodb';
import { createLogger } from '@database-replicator/core';
import { createMongoSource, idText, readServerInfo } from '@database-replicator/source-mongodb';
import { describeWithServices } from '../../support/describe-with-services.js';
import { startTestPipeline, type TestPipelineRun } from '../../support/embedded-pipeline.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  bsonComparable,
  createMongoDatabase,
  sourceDocuments,
  targetDocuments,
  type MongoTestDatabase,
} from './mongo-harness.js';

/** A filter on `_id` of any type (the driver's types assume ObjectId). */
function byId(id: unknown): Document {
  return { _id: id };
}
const INTERVAL_MS = 300;
const INITIAL = 500;

describeWithServices(['postgres', 'ferretdb'], 'MongoDB source: refresh mode', () => {
  let dbs: TestDatabases;
  let mongo: MongoTestDatabase;
  let items: Collection;
  const stateDir = path.join(os.tmpdir(), `dr-mongo-refresh-${randomBytes(4).toString('hex')}`);
  const jobId = randomBytes(6).toString('hex');
  let running: TestPipelineRun | undefined;

  const start = (): TestPipelineRun =>
    startTestPipeline({
      source: createMongoSource({
        url: mongo.url,
        name: 'shop',
        logger: createLogger({ level: 'silent' }),
        refreshIntervalMs: INTERVAL_MS,
        refreshStateDir: stateDir,
      }),
      sourceKind: 'mongodb',
      targetUrl: dbs.targetUrl,
      jobId,
    });
  const target = () => targetDocuments(dbs.targetUrl, mongo.name, 'items');
  const expectIdentical = async (): Promise<void> => {
    const expected = await sourceDocuments(mongo.client, mongo.name, 'items', idText);
    const actual = await target();
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, document] of expected) {
      expect(bsonComparable(actual.get(id)), id).toEqual(bsonComparable(document));
    }
  };
  const identical = async (): Promise<boolean> => {
    const expected = await sourceDocuments(mongo.client, mongo.name, 'items', idText);
    const actual = await target().catch(() => new Map());
    if (actual.size !== expected.size) return false;
    return [...expected].every(
      ([id, document]) =>
        JSON.stringify(bsonComparable(actual.get(id))) === JSON.stringify(bsonComparable(document)),
    );
  };

  beforeAll(async () => {
    dbs = await createTestDatabases('dr_mongo_refresh');
    mongo = await createMongoDatabase('dr_mongo_refresh');
    items = mongo.client.db(mongo.name).collection('items');
    await items.insertMany(
      Array.from({ length: INITIAL }, (_, n) => ({
        _id: new ObjectId(),
        n: new Int32(n),
        tags: ['a'],
      })),
    );
  });

  afterAll(async () => {
    await running?.stop();
    await mongo?.drop();
    await dbs?.drop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('detects that the server has no change streams', async () => {
    expect((await readServerInfo(mongo.client)).changeStreams).toBe(false);
  });

  it('sends inserts, updates and deletes made under a writer; target = source afterwards', async () => {
    running = start();
    await waitFor(
      'snapshot',
      async () => (await target().catch(() => new Map())).size === INITIAL,
      30_000,
      50,
    );
    const stats = { inserts: 0, updates: 0, deletes: 0 };
    const until = Date.now() + 2500;
    let n = INITIAL;
    // FerretDB has no $sample: the writer keeps the ids it knows.
    const ids = (await items.find({}, { projection: { _id: 1 } }).toArray()).map(
      (doc) => doc['_id'],
    );
    const pick = (): unknown => ids[Math.floor(Math.random() * ids.length)];
    while (Date.now() < until) {
      const inserted = new ObjectId();
      await items.insertOne({ _id: inserted, n: new Int32((n += 1)), tags: [] });
      ids.push(inserted);
      stats.inserts += 1;
      await items.updateOne(byId(pick()), { $set: { n: new Int32(-n), at: new Date() } });
      stats.updates += 1;
      if (n % 3 === 0) {
        const index = Math.floor(Math.random() * ids.length);
        await items.deleteOne(byId(ids[index]));
        ids.splice(index, 1);
        stats.deletes += 1;
      }
    }
    expect(stats.updates).toBeGreaterThan(10);
    expect(stats.deletes).toBeGreaterThan(3);
    await waitFor('target equals source after the writer stopped', identical, 20_000, 50);
    await expectIdentical();

    // One of each, timed: each must reach the target within about one interval plus a scan.
    const [victim, changed] = await items.find({}).limit(2).toArray();
    const marker = new ObjectId();
    await items.insertOne({ _id: marker, marker: true });
    await items.updateOne(byId(changed?.['_id']), { $set: { marker: true } });
    await items.deleteOne(byId(victim?.['_id']));
    const elapsedMs = await waitFor(
      'insert, update and delete after the writer',
      async () => {
        const rows = await target();
        return (
          rows.has(marker.toHexString()) &&
          rows.get(idText(changed?.['_id']))?.['marker'] === true &&
          !rows.has(idText(victim?.['_id']))
        );
      },
      10_000,
      50,
    );
    process.stderr.write(
      `refresh mode: one change reached the target in ${elapsedMs} ms (interval ${INTERVAL_MS} ms)\n`,
    );
    expect(elapsedMs).toBeLessThan(INTERVAL_MS * 2 + 1000);
  }, 90_000);

  it('finds the inserts, updates and deletes made while stopped after a restart from the checkpoint', async () => {
    expect(running, 'the previous test started the pipeline').toBeDefined();
    await running?.stop();
    running = undefined;
    const some = await items.find({}).limit(5).toArray();
    await items.deleteMany({ _id: { $in: some.slice(0, 3).map((doc) => doc['_id']) } });
    await items.updateOne(byId(some[3]?.['_id']), { $set: { whileStopped: true } });
    const stringId: Document = { _id: 'string id', whileStopped: true };
    await items.insertOne(stringId);
    running = start();
    await waitFor('target equals source after the restart', identical, 20_000, 50);
    await expectIdentical();
  }, 60_000);

  it('copies the collection again when the refresh state was lost while stopped', async () => {
    expect(running, 'the previous test started the pipeline').toBeDefined();
    await running?.stop();
    running = undefined;
    // Deletes made now are invisible to a refresh that has lost its state: only emptying the
    // target table and copying the collection again removes these rows there.
    const some = await items.find({}).limit(4).toArray();
    await items.deleteMany({ _id: { $in: some.slice(0, 3).map((doc) => doc['_id']) } });
    await items.updateOne(byId(some[3]?.['_id']), { $set: { afterLoss: true } });
    rmSync(stateDir, { recursive: true, force: true });
    running = start();
    await waitFor('target equals source after the lost refresh state', identical, 30_000, 50);
    await expectIdentical();
    // And it keeps streaming from the new start.
    const marker = new ObjectId();
    await items.insertOne({ _id: marker, marker: 'after the new snapshot' });
    await waitFor(
      'a change after the new snapshot',
      async () => (await target()).has(marker.toHexString()),
      10_000,
      50,
    );
  }, 60_000);
});
