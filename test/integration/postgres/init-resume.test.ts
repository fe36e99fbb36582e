/**
 * Crash safety of `init --enable-sync`: the CLI is killed with SIGKILL once while pg_dump runs
 * and once while pg_restore loads the data (the phase is read from the checkpoint file), with a
 * writer changing the source the whole time. Each re-run continues where the last one stopped,
 * and in the end the target equals the source: nothing lost, nothing applied twice.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  dumpAllTables,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitForReplicationCatchUp } from '../../support/replication-wait.js';
import { createWriterTables, startSourceWriter } from '../../support/source-writer.js';

const CLI = 'services/cli/bin/database-replicator.js';
const MAIN_ROWS = 150_000;

type DatabaseCheckpoint = { phase: string; workDir: string; attempt: number };

describeWithServices(['postgres'], 'init resumes after SIGKILL (native)', () => {
  let db: TestDatabases;
  let stateDir: string;

  beforeAll(async () => {
    db = await createTestDatabases('dr_resume');
    stateDir = await mkdtemp(join(tmpdir(), 'dr-resume-'));
    await createWriterTables(db.sourceUrl, { mainRows: MAIN_ROWS, padBytes: 120 });
  });

  afterAll(async () => {
    await db?.drop();
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  function init() {
    return execa('node', [CLI, 'init', '--enable-sync', '--jobs', '2', '--state-dir', stateDir], {
      env: { ...process.env, DR_SOURCE_URL: db.sourceUrl, DR_TARGET_URL: db.targetUrl },
      reject: false,
    });
  }

  async function checkpoint(): Promise<DatabaseCheckpoint | undefined> {
    const dir = join(stateDir, 'native');
    if (!existsSync(dir)) return undefined;
    const file = (await readdir(dir)).find((name) => name.endsWith('.json'));
    if (file === undefined) return undefined;
    try {
      const parsed = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
        databases: Record<string, DatabaseCheckpoint>;
      };
      return parsed.databases[db.name];
    } catch {
      return undefined; // replaced while we read it
    }
  }

  /** Polls the checkpoint every 10 ms until `ready` holds, then kills the CLI with SIGKILL. */
  async function killWhen(
    child: ReturnType<typeof init>,
    ready: (state: DatabaseCheckpoint) => boolean,
  ): Promise<DatabaseCheckpoint> {
    let exited = false;
    void child.finally(() => {
      exited = true;
    });
    for (;;) {
      const state = await checkpoint();
      if (state !== undefined && ready(state)) {
        child.kill('SIGKILL');
        const result = await child;
        expect(result.signal).toBe('SIGKILL');
        return state;
      }
      if (exited)
        throw new Error(`init finished before it could be killed:\n${(await child).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('continues after being killed during the dump and during the restore; target equals source', async () => {
    const writer = await startSourceWriter(db.sourceUrl, { mainRows: MAIN_ROWS, seed: 11 });

    const first = await killWhen(
      init(),
      (s) => s.phase === 'slot-created' && existsSync(join(stateDir, s.workDir, 'dump')),
    );
    expect(first.phase).toBe('slot-created');
    expect((await checkpoint())?.phase).toBe('slot-created');

    const second = await killWhen(init(), (s) => s.phase === 'pre-data-restored');
    expect(second.attempt).toBe(first.attempt + 1);
    expect((await checkpoint())?.phase).toBe('pre-data-restored');

    const third = await init();
    expect(third.exitCode, third.stderr.slice(-3000)).toBe(0);
    expect(third.stdout).toContain('replicating (resumed)');
    expect(third.stderr).toContain('resuming an interrupted run');
    expect((await checkpoint())?.phase).toBe('done');

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stats = await writer.stop();
    expect(stats.errors).toEqual([]);
    await waitForReplicationCatchUp(requiredEnv('PG_SOURCE_URL'), db.name, 30_000);
    const [source, target] = await Promise.all([
      dumpAllTables(db.sourceUrl),
      dumpAllTables(db.targetUrl),
    ]);
    expect(Object.keys(target).sort()).toEqual(Object.keys(source).sort());
    for (const table of Object.keys(source)) {
      expect(target[table]?.length, table).toBe(source[table]?.length);
      expect(target[table], table).toEqual(source[table]);
    }
    // The killed runs' pg_dump / pg_restore were ended, not left running.
    const { stdout } = await execa('ps', ['-eo', 'args']);
    expect(stdout.split('\n').filter((line) => line.includes(stateDir))).toEqual([]);
  });
});
