/**
 * applyCopyChunks against a real target: COPY straight into the table, exactly once per offset,
 * a resent page (rows the target holds) upserted with the latest copy winning, and a line the
 * target refuses rolling back everything, offsets included.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, parseCopyChunk, serializeCopyChunk } from '@database-replicator/core';
import {
  TargetTableShapeCache,
  applyCopyChunks,
  connectPostgres,
  migrateReplicatorSchema,
  partitionKey,
  readStoredOffsets,
  type BatchCopyChunk,
  type CopyChunkBatch,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const GROUP = 'copy-loader';
const TOPIC = 'dr.src.public.items';

/** A copy chunk at `offset` holding `lines` (COPY text without the line ends). */
function chunk(offset: number, lines: string[], partition = 0): BatchCopyChunk {
  const text = serializeCopyChunk(
    {
      connector: 'postgresql',
      name: 'src',
      db: 'app',
      schema: 'public',
      table: 'items',
      snapshot: 'true',
      position: { kind: 'postgres', lsn: '0/10', txIndex: 0 },
      ts_ms: 0,
    },
    0,
    ['id', 'note', 'doc', 'tags'],
    lines.length,
    lines.map((line) => `${line}\n`).join(''),
  );
  return { chunk: parseCopyChunk(text), topic: TOPIC, partition, offset: String(offset) };
}

function batchOf(chunks: BatchCopyChunk[]): CopyChunkBatch {
  return {
    consumerGroup: GROUP,
    table: { schema: 'public', table: 'items' },
    keyColumns: ['id'],
    chunks,
  };
}

describeWithServices(['postgres'], 'postgres writer: applyCopyChunks', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  const shapes = new TargetTableShapeCache();

  beforeAll(async () => {
    dbs = await createTestDatabases('copychunks');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    await client.query(
      'CREATE TABLE public.items (id int PRIMARY KEY, note text, doc jsonb, tags text[])',
    );
  });
  afterAll(async () => {
    await client?.close();
    await dbs?.drop();
  });

  const rows = async () =>
    (await client.query('SELECT id, note, doc, tags FROM public.items ORDER BY id')).rows;

  it('loads COPY text as is, escapes and NULLs included, and skips a replay by offset', async () => {
    const first = [
      chunk(0, ['1\tone\t{"a": 1}\t{x,y}', '2\ttab\\there\\nnewline\t\\N\t\\N']),
      chunk(1, ['3\tback\\\\slash\t[]\t{}']),
    ];
    expect(await applyCopyChunks(client, batchOf(first), shapes)).toEqual({
      applied: 3,
      skipped: 0,
      upserts: 3,
      deletes: 0,
    });
    expect(await rows()).toEqual([
      { id: 1, note: 'one', doc: { a: 1 }, tags: ['x', 'y'] },
      { id: 2, note: 'tab\there\nnewline', doc: null, tags: null },
      { id: 3, note: 'back\\slash', doc: [], tags: [] },
    ]);
    const replay = await applyCopyChunks(client, batchOf(first), shapes);
    expect(replay).toMatchObject({ applied: 0, skipped: 3 });
    expect(await rows()).toHaveLength(3);
    const offsets = await readStoredOffsets(client, GROUP);
    expect(offsets.get(partitionKey(TOPIC, 0))).toBe(2n);
  });

  it('upserts a resent page that meets stored rows; the latest copy of a key wins', async () => {
    const resent = [
      chunk(2, ['2\tsecond copy\t{"b": 2}\t{z}', '4\tnew\t\\N\t\\N']),
      chunk(3, ['4\tnewest\t\\N\t{w}', '5\tfive\t\\N\t\\N']),
    ];
    const result = await applyCopyChunks(client, batchOf(resent), shapes);
    expect(result).toMatchObject({ applied: 4, skipped: 0 });
    expect(await rows()).toEqual([
      { id: 1, note: 'one', doc: { a: 1 }, tags: ['x', 'y'] },
      { id: 2, note: 'second copy', doc: { b: 2 }, tags: ['z'] },
      { id: 3, note: 'back\\slash', doc: [], tags: [] },
      { id: 4, note: 'newest', doc: null, tags: ['w'] },
      { id: 5, note: 'five', doc: null, tags: null },
    ]);
  });

  it('rolls back rows and offsets when the target refuses a line', async () => {
    const before = await rows();
    const bad = [chunk(4, ['6\tsix\t\\N\t\\N']), chunk(5, ['seven\tnot an int\t\\N\t\\N'])];
    await expect(applyCopyChunks(client, batchOf(bad), shapes)).rejects.toMatchObject({
      code: 'REPL_WRITER_APPLY_FAILED',
      message: expect.stringContaining('public.items') as unknown,
    });
    expect(await rows()).toEqual(before);
    const offsets = await readStoredOffsets(client, GROUP);
    expect(offsets.get(partitionKey(TOPIC, 0))).toBe(4n);
  });

  it('refuses a column the target lacks before writing anything', async () => {
    const text = serializeCopyChunk(
      { ...chunk(0, ['1\ta\t\\N\t\\N']).chunk.source },
      0,
      ['id', 'missing'],
      1,
      '9\tx\n',
    );
    const stray: BatchCopyChunk = {
      chunk: parseCopyChunk(text),
      topic: TOPIC,
      partition: 0,
      offset: '9',
    };
    await expect(applyCopyChunks(client, batchOf([stray]), shapes)).rejects.toMatchObject({
      code: 'REPL_WRITER_TARGET_TABLE_INVALID',
    });
  });
});
