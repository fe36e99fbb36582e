import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret } from '@database-replicator/core';
import { connectPostgres, migrateReplicatorSchema } from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

describeWithServices(['postgres'], 'postgres writer: _replicator migrations', () => {
  let dbs: TestDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases('writer_migrate');
  });
  afterAll(async () => dbs?.drop());

  it('applies each file once when two clients migrate at the same time, then is a no-op', async () => {
    const first = await connectPostgres(new Secret(dbs.targetUrl));
    const second = await connectPostgres(new Secret(dbs.targetUrl));
    try {
      const results = await Promise.all([
        migrateReplicatorSchema(first),
        migrateReplicatorSchema(second),
      ]);
      expect(results.map((r) => r.applied).sort()).toEqual([[], [1, 2, 3, 4]]);
      expect(results.map((r) => r.latest)).toEqual([4, 4]);
      const again = await migrateReplicatorSchema(first);
      expect(again).toEqual({ applied: [], latest: 4 });
    } finally {
      await first.close();
      await second.close();
    }
    const { rows } = await dbs.target('SELECT id, name FROM _replicator.migrations ORDER BY id');
    expect(rows).toEqual([
      { id: 1, name: '000001.sql' },
      { id: 2, name: '000002.sql' },
      { id: 3, name: '000003.sql' },
      { id: 4, name: '000004.sql' },
    ]);
    const columns = await dbs.target(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = '_replicator' AND table_name = 'offsets' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((r: { column_name: string }) => r.column_name)).toEqual([
      'consumer_group',
      'topic',
      'partition',
      'next_offset',
      'source_position',
      'updated_at',
    ]);
  });

  it('reports a failing file with its name and keeps earlier files applied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writer-migrate-'));
    const client = await connectPostgres(new Secret(dbs.targetUrl));
    try {
      // The shipped files (applied by the test above), then one more, then a failing one.
      for (const name of ['000001.sql', '000002.sql', '000003.sql']) {
        const shipped = new URL(`../../../libs/postgres/sql/${name}`, import.meta.url);
        await writeFile(join(dir, name), await readFile(shipped, 'utf8'));
      }
      await writeFile(join(dir, '000004.sql'), 'CREATE TABLE _replicator.extra (x int);');
      await writeFile(join(dir, '000005.sql'), 'SELECT * FROM no_such_table;');
      const directory = pathToFileURL(`${dir}/`);
      await expect(migrateReplicatorSchema(client, { sqlDirectory: directory })).rejects.toThrow(
        expect.objectContaining({
          code: 'REPL_WRITER_MIGRATION_FAILED',
          message: expect.stringContaining('000005.sql'),
        }),
      );
      const { rows } = await dbs.target('SELECT id FROM _replicator.migrations ORDER BY id');
      expect(rows).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
