import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret } from '@database-replicator/core';
import { connectPostgres, listSequences, listTables } from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

describeWithServices(['postgres'], 'postgres introspection', () => {
  let dbs: TestDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases('introspect');
    await dbs.source(`
      CREATE SCHEMA "Sales Team";
      CREATE TABLE "Sales Team"."Order.Items" (order_id bigint, "Line No" int, qty int,
        PRIMARY KEY (order_id, "Line No"));
      CREATE TABLE public.logs (at timestamptz, message text);
      ALTER TABLE public.logs REPLICA IDENTITY FULL;
      CREATE TABLE public.customers (id bigserial PRIMARY KEY, name text,
        dropped int, gen int GENERATED ALWAYS AS (length(name)) STORED);
      ALTER TABLE public.customers DROP COLUMN dropped;
      INSERT INTO public.customers (name) VALUES ('a'), ('b');`);
  });
  afterAll(async () => dbs?.drop());

  it('lists tables with key columns in key order, columns, and replica identity', async () => {
    const client = await connectPostgres(new Secret(dbs.sourceUrl));
    try {
      const tables = await listTables(client);
      const byName = Object.fromEntries(tables.map((t) => [`${t.id.schema}.${t.id.table}`, t]));
      expect(Object.keys(byName).sort()).toEqual([
        'Sales Team.Order.Items',
        'public.customers',
        'public.logs',
      ]);
      expect(byName['Sales Team.Order.Items']?.primaryKey).toEqual(['order_id', 'Line No']);
      expect(byName['public.logs']?.primaryKey).toEqual([]);
      expect(byName['public.logs']?.replicaIdentity).toBe('full');
      expect(byName['public.customers']?.columns).toEqual(['id', 'name']);
      expect(byName['public.customers']?.replicaIdentity).toBe('default');
    } finally {
      await client.close();
    }
  });

  it('lists sequences with their value and owning column', async () => {
    const client = await connectPostgres(new Secret(dbs.sourceUrl));
    try {
      const sequences = await listSequences(client);
      expect(sequences).toEqual([
        {
          schema: 'public',
          name: 'customers_id_seq',
          lastValue: '2',
          ownedBy: { schema: 'public', table: 'customers', column: 'id' },
        },
      ]);
    } finally {
      await client.close();
    }
  });
});
