/**
 * The loader's PostgreSQL applier: key columns read from the target's primary key (in key order,
 * quoted names included), `undefined` for a missing or keyless table, and a table created later
 * found on the next call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, createLogger } from '@database-replicator/core';
import {
  connectPostgres,
  createPostgresChangeApplier,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { insertEvent } from './loader-support.js';

describeWithServices(['postgres'], 'loader: PostgreSQL change applier', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;

  beforeAll(async () => {
    dbs = await createTestDatabases('loader_applier');
    client = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(client);
    await client.query(`
      CREATE SCHEMA "Sales.EU";
      CREATE TABLE "Sales.EU"."Order Lines" (b int, "A x" text, c text, PRIMARY KEY (c, b));
      CREATE TABLE public.keyless (id int);
    `);
  });
  afterAll(async () => {
    await client?.close();
    await dbs?.drop();
  });

  it('reads primary-key columns in key order, and undefined for missing or keyless tables', async () => {
    const applier = createPostgresChangeApplier(client, {
      logger: createLogger({ level: 'silent' }),
    });
    expect(await applier.keyColumnsOf({ schema: 'Sales.EU', table: 'Order Lines' })).toEqual([
      'c',
      'b',
    ]);
    expect(await applier.keyColumnsOf({ schema: 'public', table: 'keyless' })).toBeUndefined();
    expect(await applier.keyColumnsOf({ schema: 'public', table: 'later' })).toBeUndefined();
    expect(await applier.keyColumnsOf({ schema: 'nowhere', table: 'x' })).toBeUndefined();

    await client.query('CREATE TABLE public.later (id int PRIMARY KEY, v text)');
    expect(await applier.keyColumnsOf({ schema: 'public', table: 'later' })).toEqual(['id']);
  });

  it('applies a batch with its offsets and skips it when replayed', async () => {
    const applier = createPostgresChangeApplier(client, {
      logger: createLogger({ level: 'silent' }),
    });
    const batch = {
      consumerGroup: 'g',
      table: { schema: 'public', table: 'later' },
      keyColumns: ['id'],
      events: [1, 2].map((id) => ({
        event: insertEvent('later', { id, v: `v${id}` }, id),
        topic: 't',
        partition: 0,
        offset: String(id - 1),
      })),
    };
    expect(await applier.apply(batch)).toMatchObject({ applied: 2, skipped: 0 });
    expect(await applier.apply(batch)).toMatchObject({ applied: 0, skipped: 2 });
    const { rows } = await client.query('SELECT id, v FROM public.later ORDER BY id');
    expect(rows).toEqual([
      { id: 1, v: 'v1' },
      { id: 2, v: 'v2' },
    ]);
  });
});
