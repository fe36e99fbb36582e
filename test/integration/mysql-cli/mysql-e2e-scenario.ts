/**
 * End to end MariaDB → PostgreSQL through the CLI, once per bus: `init --enable-sync` as a child
 * process while a writer inserts, updates and deletes in every table during the snapshot and the
 * stream; once the writer stops, the target must equal the source by an independent comparison
 * (mysql-table-equality.ts), and SIGTERM stops the CLI at a checkpoint with exit 130.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { quoteIdent } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import type { ServiceName } from '../../support/service-env.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';
import { jobIdFromLog, logLines, startCli, type CliChild } from '../pipeline-cli/cli-child.js';
import { deleteJobTopics } from '../pipeline-cli/kafka-topics.js';
import {
  createSourceTables,
  createTargetDatabase,
  startSourceWriter,
  type TargetDatabase,
} from './mysql-cli-tables.js';
import { compareTables, waitForEqualTables } from './mysql-table-equality.js';

/** Options of {@link describeMysqlEndToEnd}. */
export type MysqlEndToEnd = Readonly<{
  name: string;
  services: readonly ServiceName[];
  prefix: string;
  busArgs: () => readonly string[];
  kafka: boolean;
}>;

export function describeMysqlEndToEnd(scenario: MysqlEndToEnd): void {
  describeWithServices(scenario.services, scenario.name, () => {
    let source: MysqlTestDatabase;
    let target: TargetDatabase;
    let jobId: string | undefined;
    const children: CliChild[] = [];

    beforeAll(async () => {
      source = await createMysqlDatabase(scenario.prefix);
      target = await createTargetDatabase(scenario.prefix);
      await createSourceTables(source);
    });

    afterAll(async () => {
      for (const child of children) await child.stop();
      await source?.drop();
      await target?.drop();
      // The job id is read from the log, also when the test failed before it read it.
      const started = children.map((child) => /"jobId":"([0-9a-f]+)"/.exec(child.stderr())?.[1]);
      for (const id of new Set([jobId, ...started])) {
        if (scenario.kafka && id !== undefined) await deleteJobTopics(id);
      }
    });

    it('init --enable-sync under writes ends with target = source; SIGTERM exits 130', async () => {
      const writer = await startSourceWriter(source);
      await sleep(300);
      const cli = startCli(['init', '--enable-sync', ...scenario.busArgs()], {
        sourceUrl: source.url.reveal(),
        targetUrl: target.url,
      });
      children.push(cli);
      const beforeSnapshotEnd = { ...writer.stats };
      await cli.waitFor(/"msg":"snapshot done"/, 60_000);
      const atSnapshotEnd = { ...writer.stats };
      jobId = jobIdFromLog(cli.stderr());
      // From here on the writes travel through the binlog stream only.
      await sleep(3000);
      const stats = await writer.stop();
      expect(stats.errors).toEqual([]);
      expect(atSnapshotEnd.inserts, 'writes during the snapshot').toBeGreaterThan(
        beforeSnapshotEnd.inserts,
      );
      expect(stats.updates - atSnapshotEnd.updates, 'updates during the stream').toBeGreaterThan(
        20,
      );
      expect(stats.deletes - atSnapshotEnd.deletes, 'deletes during the stream').toBeGreaterThan(
        10,
      );
      try {
        await waitForEqualTables(source, target.url, 45_000);
      } catch (error) {
        const progress = JSON.stringify(logLines(cli.stderr(), 'progress').at(-1));
        throw new Error(
          `${String(error)}\nlast CLI progress: ${progress}\n${cli.stderr().slice(-2000)}`,
          {
            cause: error,
          },
        );
      }
      cli.signal('SIGTERM');
      const outcome = await cli.exit(30_000);
      expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(130);
      expect(outcome.stderr).not.toMatch(/"level":50/);
      expect(outcome.stdout).toContain('Stopped at a checkpoint');
      // The comparison itself notices a one-microsecond difference.
      await queryOnce(
        target.url,
        `UPDATE ${quoteIdent(source.name)}.typed SET at = at + interval '1 microsecond' WHERE id = 2`,
      );
      expect(await compareTables(source, target.url)).toMatch(/^typed: 1 rows differ/);
    }, 150_000);
  });
}
