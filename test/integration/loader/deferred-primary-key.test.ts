/**
 * A table a job created for its snapshot has no primary key until the load is done
 * (libs/postgres jobs/deferred-primary-key.ts). The loader still knows its key columns (from the
 * job), and a change to such a table builds the key first: its upsert needs it, and a second
 * loader that cached the same answer finds the key already built.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, createLogger } from '@database-replicator/core';
import {
  connectPostgres,
  createPostgresChangeApplier,
  createPostgresJobStore,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { insertEvent } from './loader-support.js';

const TABLE = { schema: 'public', table: 'items' };

describeWithServices(['postgres'], 'loader: a table whose primary key is deferred', () => {
  let dbs: TestDatabases;
  const clients: PostgresClient[] = [];
  const connect = async () => {
    const client = await connectPostgres(new Secret(dbs.targetUrl));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dbs = await createTestDatabases('loader_deferred_key');
    const admin = await connect();
    await migrateReplicatorSchema(admin);
    await createPostgresJobStore(admin).registerTables('job', [
      {
        id: TABLE,
        keyColumns: ['id'],
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'v', type: 'text', nullable: true },
        ],
        indexes: [],
        estimatedRows: 0,
        schemaOnly: false,
      },
    ]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await dbs?.drop();
  });

  const primaryKey = async () =>
    (
      await dbs.target(
        `SELECT conname FROM pg_constraint WHERE conrelid = 'public.items'::regclass AND contype = 'p'`,
      )
    ).rows;

  it('answers the job key, and builds the key before the first change', async () => {
    const logger = createLogger({ level: 'silent' });
    const first = createPostgresChangeApplier(await connect(), { logger });
    const second = createPostgresChangeApplier(await connect(), { logger });
    expect(await primaryKey()).toEqual([]);
    expect(await first.keyColumnsOf(TABLE)).toEqual(['id']);
    expect(await second.keyColumnsOf(TABLE)).toEqual(['id']);
    expect(await primaryKey()).toEqual([]);

    const batch = (offset: number, v: string) => ({
      consumerGroup: 'g',
      table: TABLE,
      keyColumns: ['id'],
      events: [
        {
          event: insertEvent('items', { id: 1, v }, offset + 1),
          topic: 't.items',
          partition: 0,
          offset: String(offset),
        },
      ],
    });
    expect(await first.apply(batch(0, 'one'))).toMatchObject({ applied: 1 });
    expect(await primaryKey()).toEqual([{ conname: 'items_pkey' }]);
    // The second applier still holds "deferred": it finds the key built and upserts on it.
    expect(await second.applyAll([batch(1, 'two')])).toMatchObject({ applied: 1 });
    expect((await dbs.target('SELECT id, v FROM public.items')).rows).toEqual([
      { id: 1, v: 'two' },
    ]);
    const { rows } = await dbs.target(
      'SELECT primary_key_deferred FROM _replicator.job_tables WHERE table_name = $1',
      ['items'],
    );
    expect(rows).toEqual([{ primary_key_deferred: false }]);
  });
});
