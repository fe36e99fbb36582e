/**
 * The distributed pipeline from MariaDB (coordinator, loader and the MySQL extractor as child
 * processes, on Kafka and NATS) while a writer inserts, updates and deletes on the source:
 * `kill -9` of the extractor in the middle of the binlog stream, while it forwards a
 * 30,000-row transaction (some of it on Kafka, the rest not). The restarted extractor resends
 * from its binlog checkpoint, the loader skips what it already applied (no offset applied
 * twice), and after catch-up an independent comparison finds the target equal to the source
 * and every Kafka message consumed once (stored offsets equal the end offsets).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { quoteTable } from '@database-replicator/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  createSourceTables,
  createTargetDatabase,
  startSourceWriter,
  type SourceWriter,
  type TargetDatabase,
} from '../mysql-cli/mysql-cli-tables.js';
import { waitForEqualTables } from '../mysql-cli/mysql-table-equality.js';
import { createMysqlDatabase, type MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';
import {
  ServiceGroup,
  allStreaming,
  kafkaView,
  killWhileForwarding,
  loaderStats,
  serviceEnv,
  storedOffsets,
  uniqueDeployment,
  waitForConsumed,
  type KafkaView,
} from './services-support.js';

const BULK_ROWS = 30_000;
// order_lines, Customer-Accounts, typed (mysql-cli-tables) and bulk.
const TABLE_COUNT = 4;

describeWithServices(
  ['mariadb', 'postgres', 'kafka', 'nats'],
  'pipeline services: kill -9 of the MySQL extractor in the middle of the binlog stream',
  () => {
    const deployment = uniqueDeployment('mysql_stream');
    let source: MysqlTestDatabase;
    let target: TargetDatabase;
    let kafka: KafkaView;
    let writer: SourceWriter | undefined;
    const services = new ServiceGroup();

    beforeAll(async () => {
      source = await createMysqlDatabase('ps_mysql_stream');
      target = await createTargetDatabase('ps_mysql_stream');
      await createSourceTables(source);
      await source.query(
        `CREATE TABLE bulk (id bigint NOT NULL PRIMARY KEY, n int NOT NULL);
         INSERT INTO bulk SELECT seq, 0 FROM seq_1_to_${BULK_ROWS};`,
      );
      kafka = await kafkaView();
    }, 60_000);
    afterAll(async () => {
      await writer?.stop();
      await services.stopAll();
      await kafka?.dropPrefix(deployment.topicPrefix);
      await kafka?.close();
      await target?.drop();
      await source?.drop();
    });

    it('resends from the binlog checkpoint after the kill; the loader skips it; target equals source', async () => {
      const urls = { sourceUrl: source.url.reveal(), targetUrl: target.url };
      const coordinator = services.start(
        'coordinator',
        'bin',
        serviceEnv('coordinator', deployment, urls),
      );
      const loader = services.start('loader', 'bin', serviceEnv('loader', deployment, urls));
      // Polled below: the coordinator answers once its _replicator schema is migrated.
      await coordinator.ready();
      const extractorEnv = serviceEnv('extractor-mysql', deployment, urls);
      const first = services.start('extractor-mysql', 'bin', extractorEnv);
      await waitFor(
        'the snapshot to finish',
        () => allStreaming(coordinator, deployment.jobId, TABLE_COUNT),
        60_000,
      );

      writer = await startSourceWriter(source);
      await sleep(2_000);
      const bulkTopic = (await kafka.topicsOf(deployment.topicPrefix)).find((t) =>
        t.endsWith('.bulk'),
      );
      if (bulkTopic === undefined) throw new Error('no topic of bulk');
      // Updates every `bulk` row in one transaction.
      await killWhileForwarding(kafka, first, bulkTopic, {
        update: () => source.query('UPDATE bulk SET n = n + 1'),
        messages: BULK_ROWS,
      });

      // The CLI's `run extractor-mysql` is the same service as the bin.
      const second = services.start('extractor-mysql', 'cli', extractorEnv);
      await second.ready();
      await sleep(3_000);
      const written = await writer.stop();
      writer = undefined;
      expect(written.errors).toEqual([]);
      expect(written.updates).toBeGreaterThan(50);

      // A last change after everything else: once the target has it, the bus has the rest.
      await source.query('UPDATE bulk SET n = -1 WHERE id = 1');
      const bulkTable = quoteTable({ schema: source.name, table: 'bulk' });
      await waitFor(
        'the last change to reach the target',
        async () =>
          (await queryOnce(target.url, `SELECT n FROM ${bulkTable} WHERE id = 1`)).rows[0]?.n ===
          -1,
        60_000,
      );
      const topics = await kafka.topicsOf(deployment.topicPrefix);
      const ends = await waitForConsumed(kafka, target.url, deployment.group, topics);
      expect(await storedOffsets(target.url, deployment.group)).toEqual(ends);

      // The resent part of the stream was skipped, nothing was dead-lettered.
      const stats = await loaderStats(loader);
      expect(stats.skipped).toBeGreaterThan(0);
      expect(stats.deadLettered).toBe(0);

      await waitForEqualTables(source, target.url, 30_000);
      const [sourceBulk] = await source.rows(
        'SELECT COUNT(*) AS n, CAST(SUM(n) AS CHAR) AS total, CAST(SUM(id * n) AS CHAR) AS weighted FROM bulk',
      );
      const targetBulk = await queryOnce(
        target.url,
        `SELECT count(*)::int AS n, sum(n)::text AS total, sum(id * n)::text AS weighted FROM ${bulkTable}`,
      );
      expect(targetBulk.rows[0]).toEqual({ ...sourceBulk });

      expect(await second.stop()).toBe(0);
      expect(await loader.stop()).toBe(0);
      expect(await coordinator.stop()).toBe(0);
    }, 180_000);
  },
);
