/**
 * `applyAll` of the PostgreSQL applier: batches of two tables and several partitions commit in
 * one transaction with every partition's offset; a replay (whole or overlapping) applies only
 * what lies past the stored offsets; a batch the target refuses rolls back the others and every
 * offset with it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, createLogger, type ChangeRow } from '@database-replicator/core';
import {
  connectPostgres,
  createPostgresChangeApplier,
  migrateReplicatorSchema,
  readStoredOffsets,
  type PostgresChangeApplier,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { insertEvent } from './loader-support.js';

/** The batch of `table` holding `rows` as `[partition, offset, row]`, in that order. */
function batchOf(table: string, rows: readonly (readonly [number, number, ChangeRow])[]) {
  return {
    consumerGroup: 'g',
    table: { schema: 'public', table },
    keyColumns: ['id'],
    events: rows.map(([partition, offset, row]) => ({
      event: insertEvent(table, row, offset + 1),
      topic: `t.${table}`,
      partition,
      offset: String(offset),
    })),
  };
}

describeWithServices(['postgres'], 'loader: applyAll, many batches in one transaction', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  let applier: PostgresChangeApplier;

  beforeAll(async () => {
    dbs = await createTestDatabases('loader_apply_all');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    await client.query(`
      CREATE TABLE public.a (id int PRIMARY KEY, v text);
      CREATE TABLE public.b (id int PRIMARY KEY, v text NOT NULL);
    `);
    applier = createPostgresChangeApplier(client, { logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await client?.close();
    await dbs?.drop();
  });

  const rowsOf = async (table: string) =>
    (await client.query(`SELECT id, v FROM public.${table} ORDER BY id`)).rows;

  it('applies two tables of several partitions with every offset, and skips a replay', async () => {
    const a = batchOf('a', [
      [0, 0, { id: 1, v: 'a1' }],
      [0, 1, { id: 2, v: 'a2' }],
      [1, 0, { id: 3, v: 'a3' }],
    ]);
    const b = batchOf('b', [[2, 0, { id: 1, v: 'b1' }]]);
    expect(await applier.applyAll([a, b])).toMatchObject({ applied: 4, skipped: 0 });
    expect(await rowsOf('a')).toEqual([
      { id: 1, v: 'a1' },
      { id: 2, v: 'a2' },
      { id: 3, v: 'a3' },
    ]);
    expect(await rowsOf('b')).toEqual([{ id: 1, v: 'b1' }]);
    const stored = await readStoredOffsets(client, 'g');
    expect(Object.fromEntries([...stored].map(([key, next]) => [key, next]))).toEqual({
      't.a\u00000': 2n,
      't.a\u00001': 1n,
      't.b\u00002': 1n,
    });
    expect(await applier.applyAll([a, b])).toMatchObject({ applied: 0, skipped: 4 });
  });

  it('applies only what lies past the stored offsets of an overlapping replay', async () => {
    const a = batchOf('a', [
      [0, 1, { id: 2, v: 'stale' }],
      [0, 2, { id: 4, v: 'a4' }],
    ]);
    const b = batchOf('b', [
      [2, 0, { id: 1, v: 'stale' }],
      [2, 1, { id: 2, v: 'b2' }],
    ]);
    expect(await applier.applyAll([a, b])).toMatchObject({ applied: 2, skipped: 2 });
    expect(await rowsOf('a')).toEqual([
      { id: 1, v: 'a1' },
      { id: 2, v: 'a2' },
      { id: 3, v: 'a3' },
      { id: 4, v: 'a4' },
    ]);
    expect(await rowsOf('b')).toEqual([
      { id: 1, v: 'b1' },
      { id: 2, v: 'b2' },
    ]);
  });

  it('rolls back every batch and every offset when one batch is refused', async () => {
    const before = await readStoredOffsets(client, 'g');
    const a = batchOf('a', [[0, 3, { id: 5, v: 'a5' }]]);
    const b = batchOf('b', [[2, 2, { id: 3, v: null }]]);
    await expect(applier.applyAll([a, b])).rejects.toMatchObject({
      code: 'REPL_WRITER_APPLY_FAILED',
    });
    expect(await rowsOf('a')).toHaveLength(4);
    expect(await rowsOf('b')).toHaveLength(2);
    expect(await readStoredOffsets(client, 'g')).toEqual(before);
  });
});
