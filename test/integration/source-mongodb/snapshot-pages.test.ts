/**
 * The MongoDB snapshot on FerretDB, read the way the extractor reads it: one `readSnapshot` call
 * per page, closed after the page, the next call after the page's last `_id`. Every document
 * comes exactly once and in the server's `_id` order, with `_id`s of mixed BSON types, when the
 * read resumes from a middle key (same source or a new one), and when it is aborted mid-table and
 * resumed. On a client with command monitoring: a 5,000-document collection read in pages of
 * 100 costs one `find` (a query per page is what made FerretDB quadratic), an aborted read kills
 * its parked cursor, and a parked cursor the server dropped is reopened after its last `_id`.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  Binary,
  Double,
  Int32,
  Long,
  MongoClient,
  ObjectId,
  type CommandStartedEvent,
  type Collection,
  type Document,
} from 'mongodb';
import { createLogger, type ChangeKey } from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import {
  SnapshotCursors,
  createMongoSource,
  idText,
  readMongoSnapshot,
  type MongoChangeSource,
} from '@database-replicator/source-mongodb';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import { waitFor } from '../../support/wait-for.js';
import { createMongoDatabase, type MongoTestDatabase } from './mongo-harness.js';

const LARGE = 5000;

/** `_id`s of every type FerretDB sorts and the resume filter finds (id-order.ts). */
function mixedIds(): unknown[] {
  const ids: unknown[] = [null];
  for (let i = 0; i < 40; i += 1) {
    ids.push(new Int32(i * 3), new Double(i * 3 + 0.5), Long.fromNumber(i * 3 + 1));
    ids.push(`key-${String(i).padStart(3, '0')}`, new ObjectId());
    ids.push({ part: new Int32(i) }, new Binary(Buffer.from([i, 1])), new Date(1_700_000_000 + i));
  }
  ids.push(false, true);
  return ids;
}

/** Reads one page of a table per call after `after`, as `readSnapshot` does. */
type PageRead = (after: ChangeKey | null) => AsyncIterable<readonly string[]>;

/**
 * Reads like the extractor: a new read per page after the last key, stopped after one page.
 * Returns the `_id` texts in the order received (at most `maxPages` pages).
 */
async function pageByPage(
  read: PageRead,
  after: ChangeKey | null,
  pageRows: number,
  maxPages = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const ids: string[] = [];
  let next = after;
  for (let pages = 0; pages < maxPages; pages += 1) {
    let page: readonly string[] = [];
    for await (const item of read(next)) {
      page = item;
      break;
    }
    ids.push(...page);
    const last = page.at(-1);
    if (last === undefined || page.length < pageRows) break;
    next = { _id: last };
  }
  return ids;
}

/** The pages of `table` read through the source's public `readSnapshot`. */
function sourceRead(source: MongoChangeSource, table: SourceTable, pageRows: number): PageRead {
  return async function* (after) {
    for await (const page of source.readSnapshot(table, after, { pageRows })) {
      yield page.map((row) => String(row['_id']));
    }
  };
}

/** The key after which a read resumes: the `_id` text at `index` of `order`. */
function keyAt(order: readonly string[], index: number): ChangeKey {
  const id = order[index];
  if (id === undefined) throw new Error(`no _id at ${index}`);
  return { _id: id };
}

describeWithServices(['ferretdb'], 'MongoDB source: snapshot pages', () => {
  let mongo: MongoTestDatabase;
  let mixed: Collection;
  let large: Collection;
  let mixedOrder: string[];
  let largeOrder: string[];
  const stateDir = path.join(os.tmpdir(), `dr-mongo-pages-${randomBytes(4).toString('hex')}`);
  const sources: MongoChangeSource[] = [];

  const openSource = async (): Promise<{ source: MongoChangeSource; table: SourceTable }> => {
    const source = createMongoSource({
      url: mongo.url,
      name: 'pages',
      mode: 'refresh',
      refreshStateDir: stateDir,
      logger: createLogger({ level: 'silent' }),
    });
    sources.push(source);
    const table = (await source.describeTables()).find((item) => item.id.table === 'mixed');
    if (table === undefined) throw new Error('collection "mixed" not described');
    return { source, table };
  };

  const serverOrder = async (collection: Collection): Promise<string[]> => {
    const documents = await collection
      .find({}, { promoteValues: false, bsonRegExp: true })
      .sort({ _id: 1 })
      .toArray();
    return documents.map((document) => idText(document['_id']));
  };

  beforeAll(async () => {
    mongo = await createMongoDatabase('dr_pages');
    mixed = mongo.client.db(mongo.name).collection('mixed');
    large = mongo.client.db(mongo.name).collection('large');
    const ids = mixedIds();
    await mixed.insertMany(ids.map((id, n): Document => ({ _id: id, n })));
    for (let start = 0; start < LARGE; start += 1000) {
      await large.insertMany(
        Array.from({ length: 1000 }, (_, i) => ({ _id: new ObjectId(), n: start + i })),
      );
    }
    mixedOrder = await serverOrder(mixed);
    largeOrder = await serverOrder(large);
    expect(mixedOrder).toHaveLength(ids.length);
    expect(new Set(mixedOrder).size).toBe(ids.length);
  }, 120_000);

  afterAll(async () => {
    for (const source of sources) await source.close();
    await mongo?.drop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('hands out every document of mixed _id types once, in server order, page by page', async () => {
    const { source, table } = await openSource();
    await source.startPosition();
    const read = sourceRead(source, table, 7);
    expect(await pageByPage(read, null, 7)).toEqual(mixedOrder);
  });

  it('resumes after a middle key of each type, on the same source and on a new one', async () => {
    const { source, table } = await openSource();
    await source.startPosition();
    const read = sourceRead(source, table, 11);
    // The source holds a cursor parked after page 3; resuming elsewhere must not use it.
    const firstPages = await pageByPage(read, null, 11, 3);
    expect(firstPages).toEqual(mixedOrder.slice(0, 33));
    for (const at of [0, 5, 40, 123, 180, 230, 260, 281, 300, mixedOrder.length - 2]) {
      const rest = await pageByPage(read, keyAt(mixedOrder, at), 11);
      expect(rest, `after ${mixedOrder[at]}`).toEqual(mixedOrder.slice(at + 1));
    }
    const fresh = await openSource();
    await fresh.source.startPosition();
    const freshRead = sourceRead(fresh.source, fresh.table, 11);
    const at = 150;
    expect(await pageByPage(freshRead, keyAt(mixedOrder, at), 11)).toEqual(
      mixedOrder.slice(at + 1),
    );
  });

  const commands: CommandStartedEvent[] = [];
  const cursorIds: Long[] = [];
  let client: MongoClient;

  beforeAll(async () => {
    client = new MongoClient(requiredEnv('MONGO_URL'), { monitorCommands: true });
    client.on('commandStarted', (event) => {
      if (event.databaseName === mongo.name) commands.push(event);
    });
    client.on('commandSucceeded', (event) => {
      const reply: unknown = event.reply;
      const cursor: unknown =
        typeof reply === 'object' && reply !== null ? Reflect.get(reply, 'cursor') : undefined;
      const id: unknown =
        typeof cursor === 'object' && cursor !== null ? Reflect.get(cursor, 'id') : undefined;
      if (event.commandName === 'find' && id instanceof Long) cursorIds.push(id);
    });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
  });

  const named = (name: string): CommandStartedEvent[] =>
    commands.filter((event) => event.commandName === name);

  /** Pages of the large collection read with `readMongoSnapshot` on the monitored client. */
  const reader = (cursors: SnapshotCursors, pageRows: number, signal?: AbortSignal): PageRead => {
    const collection = client.db(mongo.name).collection('large');
    const options = signal === undefined ? { pageRows } : { pageRows, signal };
    return async function* (after) {
      for await (const page of readMongoSnapshot(collection, after, options, cursors)) {
        yield page.map((row) => row.id);
      }
    };
  };

  it('reads 5,000 documents in pages of 100 with one find', async () => {
    commands.length = 0;
    const cursors = new SnapshotCursors();
    const ids = await pageByPage(reader(cursors, 100), null, 100);
    await cursors.closeAll();
    expect(ids).toEqual(largeOrder);
    expect(named('find')).toHaveLength(1);
    // One batch of 100 per getMore: memory holds one page, not the collection.
    expect(named('getMore').length).toBeGreaterThanOrEqual(LARGE / 100 - 1);
    expect(named('getMore').every((event) => event.command['batchSize'] === 100)).toBe(true);
  });

  it('closes the parked cursor on abort; a resume from the last key misses nothing', async () => {
    commands.length = 0;
    const cursors = new SnapshotCursors();
    const controller = new AbortController();
    const before = await pageByPage(reader(cursors, 100, controller.signal), null, 100, 5);
    expect(before).toEqual(largeOrder.slice(0, 500));
    expect(named('killCursors')).toHaveLength(0);
    controller.abort();
    await waitFor('killCursors', async () => named('killCursors').length === 1, 10_000, 50);
    // An aborted read yields nothing.
    expect(await pageByPage(reader(cursors, 100, controller.signal), null, 100)).toEqual([]);
    const rest = await pageByPage(reader(cursors, 100), keyAt(before, before.length - 1), 100);
    await cursors.closeAll();
    expect([...before, ...rest]).toEqual(largeOrder);
  });

  it('reopens a parked cursor the server dropped, after its last _id', async () => {
    commands.length = 0;
    cursorIds.length = 0;
    const cursors = new SnapshotCursors();
    const read = reader(cursors, 100);
    const before = await pageByPage(read, null, 100, 3);
    expect(cursorIds).toHaveLength(1);
    // What MongoDB does to a cursor idle for 10 minutes.
    await client.db(mongo.name).command({ killCursors: 'large', cursors: cursorIds });
    const rest = await pageByPage(read, keyAt(before, before.length - 1), 100);
    await cursors.closeAll();
    expect([...before, ...rest]).toEqual(largeOrder);
    expect(named('find')).toHaveLength(2);
  });
});
