/**
 * `init --enable-sync` end to end on the native path, run as the real CLI while a writer keeps
 * changing the source (also during the dump): afterwards the target equals the source, compared
 * table by table with plain SQL after the slot confirmed the source's WAL. Connects as a
 * dedicated role with a distinctive password, so the test can prove the password never shows
 * in `ps`, the debug log or the checkpoint.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
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
import { createWriterTables, startSourceWriter } from '../../support/source-writer.js';

const CLI = 'services/cli/bin/database-replicator.js';
const MAIN_ROWS = 60_000;

function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

/** Samples `ps -eo args` every 50 ms until stopped; returns the lines of our child programs. */
function samplePs(): { stop: () => Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { stdout } = await execa('ps', ['-eo', 'args'], { reject: false });
      for (const line of String(stdout).split('\n')) {
        if (/pg_dump|pg_restore|pg_dumpall|psql|database-replicator/.test(line)) seen.add(line);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...seen];
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describeWithServices(['postgres'], 'init --enable-sync (native)', () => {
  const role = `dr_init_${randomBytes(4).toString('hex')}`;
  const password = `Pw-${randomBytes(9).toString('hex')}`;
  let db: TestDatabases;
  let stateDir: string;
  let sourceUrl: string;
  let targetUrl: string;

  beforeAll(async () => {
    for (const admin of [requiredEnv('PG_SOURCE_URL'), requiredEnv('PG_TARGET_URL')]) {
      await queryOnce(
        admin,
        `CREATE ROLE ${role} LOGIN SUPERUSER REPLICATION PASSWORD '${password}'`,
      );
    }
    db = await createTestDatabases('dr_init');
    sourceUrl = withCredentials(db.sourceUrl, role, password);
    targetUrl = withCredentials(db.targetUrl, role, password);
    stateDir = await mkdtemp(join(tmpdir(), 'dr-init-'));
    await createWriterTables(db.sourceUrl, { mainRows: MAIN_ROWS });
  });

  afterAll(async () => {
    await db?.drop();
    for (const admin of [requiredEnv('PG_SOURCE_URL'), requiredEnv('PG_TARGET_URL')]) {
      await queryOnce(admin, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    }
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  it('copies under the slot snapshot while writes continue, then replicates; no password leaks', async () => {
    const writer = await startSourceWriter(db.sourceUrl, { mainRows: MAIN_ROWS });
    const ps = samplePs();
    const result = await execa(
      'node',
      [
        CLI,
        'init',
        '--enable-sync',
        '--jobs',
        '2',
        '--state-dir',
        stateDir,
        '--log-level',
        'debug',
      ],
      {
        env: { ...process.env, DR_SOURCE_URL: sourceUrl, DR_TARGET_URL: targetUrl },
        reject: false,
      },
    );
    const processes = await ps.stop();
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    expect(result.stdout).toMatch(/replicating/);

    // Changes after init returned travel through the subscription.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stats = await writer.stop();
    expect(stats.errors).toEqual([]);
    expect(stats.updates).toBeGreaterThan(50);
    await waitForReplicationCatchUp(requiredEnv('PG_SOURCE_URL'), db.name, 30_000);
    const [source, target] = await Promise.all([
      dumpAllTables(db.sourceUrl),
      dumpAllTables(db.targetUrl),
    ]);
    expect(Object.keys(target).sort()).toEqual([
      'public.events',
      'public.items',
      'public.order_lines',
    ]);
    expect((source['public.items'] ?? []).length).toBeGreaterThan(MAIN_ROWS / 2);
    for (const table of Object.keys(source)) expect(target[table], table).toEqual(source[table]);

    // The password is in no process argument, log line or state file.
    expect(processes.some((line) => /\bpg_dump\b/.test(line))).toBe(true);
    expect(processes.some((line) => /\bpg_restore\b/.test(line))).toBe(true);
    expect(processes.filter((line) => line.includes(password))).toEqual([]);
    expect(result.stderr).toMatch(/"level":20/);
    expect(result.stderr).not.toContain(password);
    expect(result.stdout).not.toContain(password);
    const files = await filesUnder(stateDir);
    expect(files.some((f) => f.endsWith('.json'))).toBe(true);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      expect(text, file).not.toContain(password);
      expect(text, file).not.toMatch(/postgres(ql)?:\/\//);
    }
  });
});
