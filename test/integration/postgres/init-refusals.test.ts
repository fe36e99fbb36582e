/**
 * What `init` refuses on the native path, before it changes anything: the same database reached
 * through another URL spelling (localhost vs 127.0.0.1), tables without a key, and a target that
 * already holds the selected tables (unless --drop-existing). Two databases of one cluster are
 * allowed and the source survives (the reference tool could drop it). Also the copy-only mode:
 * without --enable-sync the slot and publication are gone afterwards, so no WAL stays pinned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  dumpAllTables,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitForReplicationCatchUp } from '../../support/replication-wait.js';

const CLI = 'services/cli/bin/database-replicator.js';

async function dropSubscriptions(url: string): Promise<void> {
  const subs = await queryOnce(
    url,
    `SELECT subname FROM pg_subscription
      WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  for (const { subname } of subs.rows as { subname: string }[]) {
    await queryOnce(url, `ALTER SUBSCRIPTION "${subname}" DISABLE`);
    await queryOnce(url, `ALTER SUBSCRIPTION "${subname}" SET (slot_name = NONE)`);
    await queryOnce(url, `DROP SUBSCRIPTION "${subname}"`);
  }
}

/** Drops the source database's slots, waiting for walsenders that still hold them. */
async function dropSlots(db: TestDatabases): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    await db.source(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active',
    );
    const left = await db.source(
      'SELECT 1 FROM pg_replication_slots WHERE database = current_database()',
    );
    if (left.rowCount === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('replication slots stayed active');
}

describeWithServices(['postgres'], 'init safety and copy-only (native)', () => {
  let db: TestDatabases;
  let stateDir: string;

  beforeAll(async () => {
    db = await createTestDatabases('dr_refuse');
    stateDir = await mkdtemp(join(tmpdir(), 'dr-refuse-'));
    await db.source(`
      CREATE TABLE accounts (id int PRIMARY KEY, name text);
      INSERT INTO accounts SELECT g, 'n' || g FROM generate_series(1, 1000) g;
      CREATE TABLE log_lines (at timestamptz, line text);
      INSERT INTO log_lines SELECT now(), 'l' || g FROM generate_series(1, 10) g;`);
  });

  afterAll(async () => {
    await db?.drop();
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  function init(args: string[], sourceUrl = db.sourceUrl, targetUrl = db.targetUrl) {
    return execa('node', [CLI, 'init', '--state-dir', stateDir, ...args], {
      env: { ...process.env, DR_SOURCE_URL: sourceUrl, DR_TARGET_URL: targetUrl },
      reject: false,
    });
  }

  async function sourceUntouched(): Promise<void> {
    expect((await db.source('SELECT count(*)::int AS n FROM accounts')).rows[0]).toEqual({
      n: 1000,
    });
    expect((await db.source('SELECT 1 FROM pg_publication')).rowCount).toBe(0);
    const slots = await db.source(
      'SELECT 1 FROM pg_replication_slots WHERE database = current_database()',
    );
    expect(slots.rowCount).toBe(0);
  }

  it('refuses the same database reached as localhost and as 127.0.0.1', async () => {
    const sameViaLocalhost = new URL(db.sourceUrl);
    sameViaLocalhost.hostname = 'localhost';
    const result = await init(
      ['--enable-sync', '-y', '--drop-existing'],
      db.sourceUrl,
      sameViaLocalhost.toString(),
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('REPL_NATIVE_SAME_DATABASE');
    expect(result.stderr).toContain(db.name);
    expect(result.stderr).not.toContain(':postgres@');
    await sourceUntouched();
  });

  it('replicates between two databases of one cluster without touching the source', async () => {
    const admin = requiredEnv('PG_SOURCE_URL');
    const sibling = `${db.name}_copy`;
    await queryOnce(admin, `CREATE DATABASE "${sibling}"`);
    const siblingUrl = new URL(db.sourceUrl);
    siblingUrl.pathname = `/${sibling}`;
    try {
      const result = await init(
        ['--enable-sync', '--drop-existing', '--schema-only-tables', 'log_lines'],
        db.sourceUrl,
        siblingUrl.toString(),
      );
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
      await db.source("UPDATE accounts SET name = 'moved' WHERE id <= 3");
      await waitForReplicationCatchUp(admin, db.name, 30_000);
      const copy = await dumpAllTables(siblingUrl.toString());
      expect(copy['public.accounts']).toEqual(
        (await dumpAllTables(db.sourceUrl))['public.accounts'],
      );
      expect((await db.source('SELECT count(*)::int AS n FROM accounts')).rows[0]).toEqual({
        n: 1000,
      });
    } finally {
      await dropSubscriptions(siblingUrl.toString());
      await queryOnce(admin, `DROP DATABASE "${sibling}" WITH (FORCE)`);
      // Later tests expect a source without our slot and publication.
      await dropSlots(db);
      for (const { pubname } of (await db.source('SELECT pubname FROM pg_publication')).rows as {
        pubname: string;
      }[]) {
        await db.source(`DROP PUBLICATION "${pubname}"`);
      }
    }
  });

  it('refuses keyless tables, naming them and the ways out', async () => {
    const result = await init(['--enable-sync']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('REPL_NATIVE_KEYLESS_TABLE');
    expect(result.stderr).toContain('public.log_lines');
    expect(result.stderr).toMatch(/REPLICA IDENTITY FULL/);
    expect(result.stderr).toMatch(/--schema-only-tables/);
    await sourceUntouched();
    expect((await db.target("SELECT 1 FROM pg_tables WHERE schemaname = 'public'")).rowCount).toBe(
      0,
    );
  });

  it('copies without --enable-sync and leaves no slot or publication behind', async () => {
    const result = await init(['--schema-only-tables', 'log_lines', '--json']);
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(result.stdout) as {
      databases: { outcome: string; slot: string | null }[];
    };
    expect(report.databases).toMatchObject([{ outcome: 'copied', slot: null }]);
    await sourceUntouched();
    const target = await dumpAllTables(db.targetUrl);
    expect(target['public.accounts']).toEqual(
      (await dumpAllTables(db.sourceUrl))['public.accounts'],
    );
    expect(target['public.log_lines']).toEqual([]);
  });

  it('refuses a target that already has the tables unless --drop-existing, which replaces them', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'dr-refuse-fresh-'));
    try {
      await db.target("UPDATE accounts SET name = 'target only' WHERE id <= 5");
      const refused = await execa(
        'node',
        [CLI, 'init', '--state-dir', fresh, '--schema-only-tables', 'log_lines'],
        {
          env: { ...process.env, DR_SOURCE_URL: db.sourceUrl, DR_TARGET_URL: db.targetUrl },
          reject: false,
        },
      );
      expect(refused.exitCode).toBe(3);
      expect(refused.stderr).toContain('REPL_NATIVE_TARGET_NOT_EMPTY');
      expect(refused.stderr).toContain('public.accounts');
      const kept = await db.target(
        "SELECT count(*)::int AS n FROM accounts WHERE name = 'target only'",
      );
      expect(kept.rows[0]).toEqual({ n: 5 });

      const replaced = await execa(
        'node',
        [CLI, 'init', '--state-dir', fresh, '--schema-only-tables', 'log_lines', '--drop-existing'],
        {
          env: { ...process.env, DR_SOURCE_URL: db.sourceUrl, DR_TARGET_URL: db.targetUrl },
          reject: false,
        },
      );
      expect(replaced.exitCode, replaced.stderr.slice(-2000)).toBe(0);
      const target = await dumpAllTables(db.targetUrl);
      expect(target['public.accounts']).toEqual(
        (await dumpAllTables(db.sourceUrl))['public.accounts'],
      );
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
