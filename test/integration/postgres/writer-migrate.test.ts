/**
 * `_replicator` migrations: concurrent migrators take turns for whole runs (one session advisory
 * lock), so one of them applies every file, once and in order, and the others find them
 * recorded; a failing file is reported by name.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret } from '@database-replicator/core';
import {
  connectPostgres,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';

const SHIPPED = new URL('../../../libs/postgres/sql/', import.meta.url);

/** The shipped migration files, in id order. */
async function shippedFiles(): Promise<{ id: number; name: string }[]> {
  const names = (await readdir(SHIPPED)).filter((name) => /^\d{6}\.sql$/.test(name)).sort();
  return names.map((name) => ({ id: Number.parseInt(name.slice(0, 6), 10), name }));
}

/**
 * `client`, except that its second `BEGIN` (the migrator between its first and second file)
 * waits for `resume`; `paused` resolves when it does.
 */
function pausedBeforeSecondFile(
  client: PostgresClient,
  resume: Promise<void>,
): { client: PostgresClient; paused: Promise<void> } {
  let begins = 0;
  let reached = (): void => undefined;
  const paused = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const query = async (text: string, values?: unknown[]): Promise<unknown> => {
    begins += text === 'BEGIN' ? 1 : 0;
    if (text === 'BEGIN' && begins === 2) {
      reached();
      await resume;
    }
    return client.query(text, values);
  };
  const proxy = new Proxy(client, {
    get: (target, property) => (property === 'query' ? query : Reflect.get(target, property)),
  });
  return { client: proxy, paused };
}

describeWithServices(['postgres'], 'postgres writer: _replicator migrations', () => {
  let dbs: TestDatabases;
  /** A second fresh database, for the test of a migrator paused between two files. */
  let paused: TestDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases('writer_migrate');
    paused = await createTestDatabases('writer_migrate_pause');
  });
  afterAll(async () => {
    await dbs?.drop();
    await paused?.drop();
  });

  it('applies each file once when two clients migrate at the same time, then is a no-op', async () => {
    const files = await shippedFiles();
    const latest = files.at(-1)?.id;
    const first = await connectPostgres(new Secret(dbs.targetUrl));
    const second = await connectPostgres(new Secret(dbs.targetUrl));
    try {
      const results = await Promise.all([
        migrateReplicatorSchema(first),
        migrateReplicatorSchema(second),
      ]);
      // Whole runs take turns: one migrator applies every file, the other none.
      expect(results.map((r) => r.applied).sort()).toEqual([[], files.map((f) => f.id)]);
      expect(results.map((r) => r.latest)).toEqual([latest, latest]);
      const again = await migrateReplicatorSchema(first);
      expect(again).toEqual({ applied: [], latest });
    } finally {
      await first.close();
      await second.close();
    }
    const { rows } = await dbs.target('SELECT id, name FROM _replicator.migrations ORDER BY id');
    expect(rows).toEqual(files);
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

  it('makes a second migrator wait for the whole run of the first, not just its current file', async () => {
    const files = await shippedFiles();
    let resume = (): void => undefined;
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const firstClient = await connectPostgres(new Secret(paused.targetUrl));
    const second = await connectPostgres(new Secret(paused.targetUrl));
    try {
      const { rows } = await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const first = pausedBeforeSecondFile(firstClient, resumed);
      const firstRun = migrateReplicatorSchema(first.client);
      // The first migrator has committed its first file and not begun the second.
      await first.paused;
      let secondDone = false;
      const secondRun = migrateReplicatorSchema(second).finally(() => {
        secondDone = true;
      });
      // Ordered by the server, not by time: the second migrator either waits for the lock or
      // (one lock per file) ran the remaining files in the first one's pause.
      await waitFor(
        'the second migrator to wait for the migration lock or finish',
        async () => {
          if (secondDone) return true;
          const activity = await paused.target(
            `SELECT wait_event FROM pg_stat_activity WHERE pid = $1`,
            [rows[0]?.pid],
          );
          return activity.rows[0]?.wait_event === 'advisory';
        },
        10_000,
        20,
      );
      resume();
      const [a, b] = await Promise.all([firstRun, secondRun]);
      expect(a.applied).toEqual(files.map((f) => f.id));
      expect(b.applied).toEqual([]);
    } finally {
      resume();
      await firstClient.close();
      await second.close();
    }
  });

  it('reports a failing file with its name and keeps earlier files applied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writer-migrate-'));
    const client = await connectPostgres(new Secret(dbs.targetUrl));
    try {
      // The shipped files (applied by the test above), then one more, then a failing one.
      const files = await shippedFiles();
      for (const { name } of files) {
        await writeFile(join(dir, name), await readFile(new URL(name, SHIPPED), 'utf8'));
      }
      const extra = (files.at(-1)?.id ?? 0) + 1;
      const fileName = (id: number): string => `${String(id).padStart(6, '0')}.sql`;
      await writeFile(join(dir, fileName(extra)), 'CREATE TABLE _replicator.extra (x int);');
      await writeFile(join(dir, fileName(extra + 1)), 'SELECT * FROM no_such_table;');
      const directory = pathToFileURL(`${dir}/`);
      await expect(migrateReplicatorSchema(client, { sqlDirectory: directory })).rejects.toThrow(
        expect.objectContaining({
          code: 'REPL_WRITER_MIGRATION_FAILED',
          message: expect.stringContaining(fileName(extra + 1)),
        }),
      );
      const { rows } = await dbs.target('SELECT id FROM _replicator.migrations ORDER BY id');
      expect(rows).toEqual([...files.map(({ id }) => ({ id })), { id: extra }]);
      const table = await dbs.target(`SELECT to_regclass('_replicator.extra') IS NOT NULL AS ok`);
      expect(table.rows).toEqual([{ ok: true }]);
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
