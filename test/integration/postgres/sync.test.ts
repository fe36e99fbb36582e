/**
 * `sync` on the native path repairs the continuous replication of an initialised target: it
 * reports a running subscription, enables a disabled one, recreates a missing one on the slot
 * (the changes made while it was missing arrive exactly once), and says plainly that a lost slot
 * cannot be repaired. Without any init it refuses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  dumpAllTables,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitForReplicationCatchUp } from '../../support/replication-wait.js';

describeWithServices(['postgres'], 'sync (native)', () => {
  let db: TestDatabases;
  let stateDir: string;
  let subscription: string;

  beforeAll(async () => {
    db = await createTestDatabases('dr_sync');
    stateDir = await mkdtemp(join(tmpdir(), 'dr-sync-'));
    await db.source(`
      CREATE TABLE kv (k int PRIMARY KEY, v text, doc jsonb);
      INSERT INTO kv SELECT g, 'v' || g, jsonb_build_object('g', g) FROM generate_series(1, 5000) g;`);
  });

  afterAll(async () => {
    await db?.drop();
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  function run(command: string, args: string[] = [], dir = stateDir) {
    return runCliProcess([command, '--state-dir', dir, ...args], db);
  }

  async function expectInSync(): Promise<void> {
    await waitForReplicationCatchUp(requiredEnv('PG_SOURCE_URL'), db.name, 30_000);
    expect(await dumpAllTables(db.targetUrl)).toEqual(await dumpAllTables(db.sourceUrl));
  }

  it('refuses a target that was never initialised', async () => {
    const result = await run('sync');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('REPL_NATIVE_NOT_INITIALISED');
  });

  it('reports a running subscription after init --enable-sync', async () => {
    const init = await run('init', ['--enable-sync', '--json']);
    expect(init.exitCode, init.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(init.stdout) as { databases: { subscription: string }[] };
    subscription = report.databases[0]?.subscription ?? '';
    expect(subscription).toMatch(/^dr_[0-9a-f]+_[0-9a-f]+$/);
    const sync = await run('sync', ['--json']);
    expect(sync.exitCode, sync.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({
      databases: [{ subscription, action: 'running' }],
    });
  });

  it('enables a disabled subscription', async () => {
    await db.target(`ALTER SUBSCRIPTION "${subscription}" DISABLE`);
    await db.source("UPDATE kv SET v = 'while disabled' WHERE k <= 100");
    const sync = await run('sync');
    expect(sync.exitCode, sync.stderr.slice(-2000)).toBe(0);
    expect(sync.stdout).toContain('enabled');
    await expectInSync();
  });

  it('recreates a missing subscription on the slot; changes made meanwhile arrive once', async () => {
    await db.target(`ALTER SUBSCRIPTION "${subscription}" DISABLE`);
    await db.target(`ALTER SUBSCRIPTION "${subscription}" SET (slot_name = NONE)`);
    await db.target(`DROP SUBSCRIPTION "${subscription}"`);
    await db.source("INSERT INTO kv SELECT g, 'added', NULL FROM generate_series(5001, 5500) g");
    await db.source('DELETE FROM kv WHERE k BETWEEN 200 AND 299');
    const sync = await run('sync', ['--json']);
    expect(sync.exitCode, sync.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({
      databases: [{ subscription, action: 'created' }],
    });
    await expectInSync();
  });

  it('reports a lost slot with the only way out', async () => {
    await db.target(`ALTER SUBSCRIPTION "${subscription}" DISABLE`);
    await db.target(`ALTER SUBSCRIPTION "${subscription}" SET (slot_name = NONE)`);
    await db.target(`DROP SUBSCRIPTION "${subscription}"`);
    // The detached walsender may hold the slot for a moment after the subscription is gone.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await db.source('SELECT pg_drop_replication_slot($1)', [subscription]);
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const sync = await run('sync');
    expect(sync.exitCode).toBe(3);
    expect(sync.stderr).toContain('REPL_NATIVE_SLOT_LOST');
    expect(sync.stderr).toContain('init --enable-sync');
  });
});
