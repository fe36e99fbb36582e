/**
 * Selective replication on the native path: a row filter, a time filter and a schema-only
 * table, from flags, while a writer moves rows into and out of the filters. The target must hold
 * exactly the source rows that match, compared with the same predicate run on the source (the
 * time filter's cutoff is read from the checkpoint, where init fixed it). Also: a filter on a
 * column outside the replica identity is refused without -y and leaves the source untouched,
 * and a second database named in a TOML [databases.<db>] section is replicated into a
 * same-named database that init creates on the target.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  dumpAllTables,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitForReplicationCatchUp } from '../../support/replication-wait.js';
import { createWriterTables, startSourceWriter } from '../../support/source-writer.js';

const MAIN_ROWS = 20_000;

function cli(args: string[], sourceUrl: string, targetUrl: string) {
  return runCliProcess(args, { sourceUrl, targetUrl });
}

async function rows(url: string, sql: string, params: unknown[] = []): Promise<string[]> {
  const result = await queryOnce(url, `SELECT t::text AS r FROM (${sql}) t ORDER BY 1`, params);
  return result.rows.map((row: { r: string }) => row.r);
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The single checkpoint file init wrote under `stateDir`. */
async function readCheckpoint(stateDir: string): Promise<{
  databases: Record<string, { cutoffs: Record<string, string[]>; slot: string }>;
}> {
  const dir = join(stateDir, 'native');
  const file = (await readdir(dir)).find((name) => name.endsWith('.json'));
  if (file === undefined) throw new Error(`no checkpoint in ${dir}`);
  return JSON.parse(await readFile(join(dir, file), 'utf8'));
}

/** Drops `name` on both clusters with the subscription and slot init made for it. */
async function dropExtraDatabase(name: string): Promise<void> {
  const target = withDatabase(requiredEnv('PG_TARGET_URL'), name);
  const subscriptions = await queryOnce(
    target,
    `SELECT subname FROM pg_subscription
      WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  ).catch(() => undefined);
  for (const { subname } of (subscriptions?.rows ?? []) as { subname: string }[]) {
    await queryOnce(target, `ALTER SUBSCRIPTION "${subname}" DISABLE`);
    await queryOnce(target, `ALTER SUBSCRIPTION "${subname}" SET (slot_name = NONE)`);
    await queryOnce(target, `DROP SUBSCRIPTION "${subname}"`);
  }
  const source = requiredEnv('PG_SOURCE_URL');
  await queryOnce(
    source,
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1',
    [name],
  );
  await queryOnce(requiredEnv('PG_TARGET_URL'), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await queryOnce(source, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

describeWithServices(['postgres'], 'init with filters (native)', () => {
  let db: TestDatabases;
  const states: string[] = [];
  const extraDatabase = `dr_filt_extra_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabases('dr_filt');
    await createWriterTables(db.sourceUrl, { mainRows: MAIN_ROWS });
    await db.source('CREATE TABLE audit (id bigint PRIMARY KEY, what text)');
    await db.source("INSERT INTO audit SELECT g, 'a' FROM generate_series(1, 500) g");
  });

  afterAll(async () => {
    await db?.drop();
    await dropExtraDatabase(extraDatabase);
    for (const dir of states) await rm(dir, { recursive: true, force: true });
  });

  async function stateDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dr-filt-'));
    states.push(dir);
    return dir;
  }

  it('refuses a filter on a non-identity column without -y and leaves the source as it was', async () => {
    const result = await cli(
      [
        'init',
        '--enable-sync',
        '--time-filter',
        'events:happened_at:90 days',
        '--state-dir',
        await stateDir(),
      ],
      db.sourceUrl,
      db.targetUrl,
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('REPL_NATIVE_REPLICA_IDENTITY');
    expect(result.stderr).toContain('ALTER TABLE "public"."events" REPLICA IDENTITY FULL');
    const identity = await db.source(
      "SELECT relreplident FROM pg_class WHERE oid = 'events'::regclass",
    );
    expect(identity.rows[0]).toEqual({ relreplident: 'd' });
    expect((await db.source('SELECT * FROM pg_publication')).rowCount).toBe(0);
    expect(
      (await db.source('SELECT 1 FROM pg_replication_slots WHERE database = current_database()'))
        .rowCount,
    ).toBe(0);
    expect((await db.target("SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).rowCount).toBe(
      0,
    );
  });

  it('copies and replicates only the filtered rows, also as rows move in and out', async () => {
    const writer = await startSourceWriter(db.sourceUrl, { mainRows: MAIN_ROWS, seed: 7 });
    const dir = await stateDir();
    const result = await cli(
      [
        'init',
        '--enable-sync',
        '-y',
        '--jobs',
        '2',
        '--state-dir',
        dir,
        '--table-filter',
        'order_lines:order_id <= 1000',
        '--time-filter',
        'events:happened_at:90 days',
        '--schema-only-tables',
        'audit',
      ],
      db.sourceUrl,
      db.targetUrl,
    );
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stats = await writer.stop();
    expect(stats.errors).toEqual([]);
    await waitForReplicationCatchUp(requiredEnv('PG_SOURCE_URL'), db.name, 30_000);

    const checkpoint = await readCheckpoint(dir);
    const cutoff = checkpoint.databases[db.name]?.cutoffs['"public"."events"']?.[0];
    expect(cutoff).toMatch(/^\d{4}-\d\d-\d\d /);
    const source = await dumpAllTables(db.sourceUrl);
    const target = await dumpAllTables(db.targetUrl);
    expect(target['public.items']).toEqual(source['public.items']);
    expect(target['public.audit']).toEqual([]);
    const lines = await rows(db.sourceUrl, 'SELECT * FROM order_lines WHERE order_id <= 1000');
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.length).toBeLessThan((source['public.order_lines'] ?? []).length);
    expect(target['public.order_lines']).toEqual(lines);
    const events = await rows(
      db.sourceUrl,
      'SELECT * FROM events WHERE happened_at >= $1::timestamptz',
      [cutoff],
    );
    expect(events.length).toBeGreaterThan(100);
    expect(events.length).toBeLessThan((source['public.events'] ?? []).length);
    expect(target['public.events']).toEqual(events);
    const identity = await db.source(
      "SELECT relreplident FROM pg_class WHERE oid = 'events'::regclass",
    );
    expect(identity.rows[0]).toEqual({ relreplident: 'f' });
  });

  it('replicates a database named in a TOML [databases] section into a new same-named target database', async () => {
    const sourceAdmin = requiredEnv('PG_SOURCE_URL');
    await queryOnce(sourceAdmin, `CREATE DATABASE "${extraDatabase}"`);
    const extraSource = withDatabase(sourceAdmin, extraDatabase);
    await queryOnce(
      extraSource,
      'CREATE TABLE kept (id int PRIMARY KEY, v text); CREATE TABLE skipped (id int PRIMARY KEY)',
    );
    await queryOnce(
      extraSource,
      "INSERT INTO kept SELECT g, 'v' || g FROM generate_series(1, 300) g",
    );
    const dir = await stateDir();
    const config = join(dir, 'replicator.toml');
    await writeFile(config, `[databases.${extraDatabase}]\ninclude_tables = ["kept"]\n`);
    // The include list names tables of the extra database only, so the URL's database is skipped.
    const result = await cli(
      ['init', '--enable-sync', '--state-dir', dir, '--config', config, '--json'],
      db.sourceUrl,
      db.targetUrl,
    );
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(result.stdout) as {
      databases: { sourceDatabase: string; outcome: string }[];
    };
    expect(report.databases.map((d) => [d.sourceDatabase, d.outcome])).toEqual([
      [db.name, 'skipped'],
      [extraDatabase, 'replicating'],
    ]);
    await queryOnce(
      extraSource,
      "UPDATE kept SET v = 'changed' WHERE id <= 10; DELETE FROM kept WHERE id > 290",
    );
    await waitForReplicationCatchUp(sourceAdmin, extraDatabase);
    const extraTarget = withDatabase(requiredEnv('PG_TARGET_URL'), extraDatabase);
    const [source, target] = await Promise.all([
      dumpAllTables(extraSource),
      dumpAllTables(extraTarget),
    ]);
    expect(Object.keys(target)).toEqual(['public.kept']);
    expect(target['public.kept']).toEqual(source['public.kept']);
    expect((source['public.kept'] ?? []).filter((r) => r.includes('changed'))).toHaveLength(10);
  });
});
