/**
 * The SQLite acceptance scenario through the CLI, once per bus: `init --enable-sync` as a child
 * process while a writer process inserts, updates (keys too) and deletes the whole time; the
 * writer stops, the target must equal the source (independent comparison, sqlite-cli-fixture.ts);
 * SIGTERM stops at a checkpoint with exit 130; then `sync` resumes under more writes, equal again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import type { ServiceName } from '../../support/service-env.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { tempDir, type TempDir } from '../source-sqlite/sqlite-harness.js';
import { jobIdFromLog, startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import { deleteJobTopics } from '../pipeline-cli/kafka-topics.js';
import {
  createSourceFile,
  expectCaughtUp,
  startWriter,
  type WriterStats,
} from './sqlite-cli-fixture.js';

const ITEMS = 15_000;

export type SqliteScenario = Readonly<{
  name: string;
  services: readonly ServiceName[];
  databasePrefix: string;
  busArgs: () => readonly string[];
  kafka: boolean;
}>;

function expectWrites(stats: WriterStats): void {
  expect(stats.transactions).toBeGreaterThan(20);
  expect(stats.updates).toBeGreaterThan(5);
  expect(stats.deletes).toBeGreaterThan(5);
}

async function stopAtCheckpoint(cli: CliChild): Promise<void> {
  cli.signal('SIGTERM');
  const outcome = await cli.exit(25_000);
  expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(130);
  expect(outcome.stderr).not.toMatch(/"level":50/);
}

/** Registers the scenario's suite. */
export function describeSqliteScenario(scenario: SqliteScenario): void {
  describeWithServices(scenario.services, scenario.name, () => {
    let db: TestDatabases;
    let dir: TempDir;
    let file: string;
    let jobId: string | undefined;
    const children: CliChild[] = [];
    const urls = (): { sourceUrl: string; targetUrl: string } => ({
      sourceUrl: file,
      targetUrl: db.targetUrl,
    });

    beforeAll(async () => {
      db = await createTestDatabases(scenario.databasePrefix);
      dir = tempDir(scenario.databasePrefix);
      file = dir.file('app.db');
      createSourceFile(file, ITEMS);
    });

    afterAll(async () => {
      for (const child of children) await child.stop();
      await db?.drop();
      dir?.cleanup();
      if (scenario.kafka && jobId !== undefined) await deleteJobTopics(jobId);
    });

    it('init --enable-sync under a writer process ends with target = source; SIGTERM exits 130', async () => {
      const writer = startWriter(file);
      const cli = startCli(['init', '--enable-sync', ...scenario.busArgs()], urls());
      children.push(cli);
      await cli.waitFor(/"msg":"snapshot done"/, 60_000);
      jobId = jobIdFromLog(cli.stderr());
      await sleep(3000);
      expectWrites(await writer.stop());
      await expectCaughtUp(cli, file, db.targetUrl);
      await stopAtCheckpoint(cli);
    }, 150_000);

    it('sync resumes from the checkpoint: changes while stopped and during the run arrive', async () => {
      expect(jobId, 'the init test ran').toBeDefined();
      const writer = startWriter(file);
      await sleep(1000);
      const cli = startCli(['sync', ...scenario.busArgs()], urls());
      children.push(cli);
      await cli.waitFor(/"msg":"pipeline started"/, 30_000);
      expect(jobIdFromLog(cli.stderr())).toBe(jobId);
      await sleep(3000);
      expectWrites(await writer.stop());
      await expectCaughtUp(cli, file, db.targetUrl);
      await stopAtCheckpoint(cli);
    }, 120_000);
  });
}
