/**
 * Crashes, on each bus: `init` is killed with SIGKILL once the target holds part of a
 * 150,000-row table; `init` again resumes after the recorded progress (`rows_copied`, the
 * "table snapshot started" line and the report prove it did not start over) and the target ends
 * equal, every key once. Then `sync` under a writer process is killed with SIGKILL mid-stream and
 * a second `sync` brings the target back to equal (nothing lost, nothing duplicated).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { describeWithServices } from '../../support/describe-with-services.js';
import type { ServiceName } from '../../support/service-env.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { jobIdFromLog, logLines, startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import {
  expectEveryKeyOnce,
  expectPartialProgress,
  waitForPartialCopy,
} from '../pipeline-cli/partial-copy.js';
import { deleteJobTopics, kafkaBusFlag } from '../pipeline-cli/kafka-topics.js';
import { tempDir, type TempDir } from '../source-sqlite/sqlite-harness.js';
import {
  WRITER_TABLES,
  addBigTable,
  createSourceFile,
  expectCaughtUp,
  startWriter,
} from './sqlite-cli-fixture.js';

// Large enough that the snapshot outlasts the in-process bus's first progress save (1 s): on a
// quiet machine 150,000 rows were copied and applied before it, leaving nothing to resume.
const ROWS = 500_000;

const Report = z.object({ extractor: z.object({ snapshotRows: z.number() }) });

type Bus = Readonly<{
  name: string;
  services: readonly ServiceName[];
  args: () => readonly string[];
  kafka: boolean;
}>;

const BUSES: readonly Bus[] = [
  { name: 'in-process bus', services: ['postgres'], args: () => [], kafka: false },
  {
    name: 'Kafka',
    services: ['postgres', 'kafka'],
    args: () => ['--bus', kafkaBusFlag()],
    kafka: true,
  },
];

for (const bus of BUSES) {
  describeWithServices(bus.services, `SQLite source killed with SIGKILL (${bus.name})`, () => {
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
      const prefix = bus.kafka ? 'dr_scli_kill_k' : 'dr_scli_kill_m';
      db = await createTestDatabases(prefix);
      dir = tempDir(prefix);
      file = dir.file('app.sqlite3');
      createSourceFile(file, 2000);
      addBigTable(file, ROWS);
    });

    afterAll(async () => {
      for (const child of children) await child.stop();
      await db?.drop();
      dir?.cleanup();
      if (bus.kafka && jobId !== undefined) await deleteJobTopics(jobId);
    });

    it('init killed mid-snapshot resumes after the recorded progress; target equal, every key once', async () => {
      const first = startCli(['init', ...bus.args()], urls());
      children.push(first);
      await waitForPartialCopy(
        first,
        { url: db.targetUrl, tableSql: 'public.big', tableName: 'big' },
        10_000,
      );
      first.signal('SIGKILL');
      const killed = await first.exit(10_000);
      expect(killed.exitCode).toBeUndefined();
      jobId = jobIdFromLog(killed.stderr);
      const recorded = await expectPartialProgress(
        db.targetUrl,
        jobId,
        { schema: 'public', table: 'big' },
        ROWS,
      );

      const second = startCli(['init', '--json', ...bus.args()], urls());
      children.push(second);
      const outcome = await second.exit(90_000);
      expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(0);
      expect(jobIdFromLog(outcome.stderr)).toBe(jobId);
      const started = logLines(outcome.stderr, 'table snapshot started').filter(
        (line) => line['table'] === 'public.big' || line['table'] === 'big',
      );
      expect(started).toHaveLength(1);
      expect(started[0]).toMatchObject({ rows: recorded.rows });
      expect(started[0]?.['resumeAfter']).toEqual(recorded.after);
      const report = Report.parse(JSON.parse(outcome.stdout));
      expect(report.extractor.snapshotRows).toBeLessThan(ROWS);

      await expectEveryKeyOnce(db.targetUrl, 'public.big', ROWS);
      await expectCaughtUp(second, file, db.targetUrl, [...WRITER_TABLES, 'big']);
    }, 180_000);

    it('sync killed mid-stream under a writer: the next sync ends equal', async () => {
      expect(jobId, 'the snapshot test ran').toBeDefined();
      const writer = startWriter(file);
      const first = startCli(['sync', ...bus.args()], urls());
      children.push(first);
      await first.waitFor(/"msg":"loader started"/, 30_000);
      await sleep(3000);
      first.signal('SIGKILL');
      expect((await first.exit(10_000)).exitCode).toBeUndefined();
      await sleep(1000);
      const stats = await writer.stop();
      expect(stats.transactions).toBeGreaterThan(20);

      const second = startCli(['sync', ...bus.args()], urls());
      children.push(second);
      await second.waitFor(/"msg":"pipeline started"/, 30_000);
      await expectCaughtUp(second, file, db.targetUrl, [...WRITER_TABLES, 'big']);
      second.signal('SIGTERM');
      const outcome = await second.exit(25_000);
      expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(130);
    }, 120_000);
  });
}
