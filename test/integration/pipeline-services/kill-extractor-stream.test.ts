/**
 * The distributed pipeline (coordinator, loader and PostgreSQL extractor as child processes,
 * configured through their environment, on Kafka and NATS) while a writer inserts, updates and
 * deletes on the source, including updates that leave TOASTed values untouched: `kill -9` of the
 * extractor in the middle of the stream, while it forwards a 30,000-row transaction (some of it
 * on Kafka, the rest not, and no checkpoint inside a transaction). The restarted extractor resends
 * from its checkpoint, the loader skips what it already applied, and after catch-up the target
 * equals the source and every Kafka message was consumed once (stored offsets equal the end
 * offsets). The extractor starts before the coordinator, so it also restarts after a transient
 * failure (no coordinator answering) on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import {
  createWriterTables,
  startSourceWriter,
  type SourceWriter,
} from '../../support/source-writer.js';
import { waitFor } from '../../support/wait-for.js';
import {
  ServiceGroup,
  allStreaming,
  heartbeatLsn,
  kafkaView,
  killWhileForwarding,
  loaderStats,
  serviceEnv,
  storedOffsets,
  sum,
  tableDigests,
  uniqueDeployment,
  waitForConsumed,
  type KafkaView,
} from './services-support.js';

const MAIN_ROWS = 3_000;
const BULK_ROWS = 30_000;
const TABLES = ['items', 'order_lines', 'events', 'bulk'] as const;

describeWithServices(
  ['postgres', 'kafka', 'nats'],
  'pipeline services: kill -9 of the extractor in the middle of the stream',
  () => {
    const deployment = uniqueDeployment('stream');
    let dbs: TestDatabases;
    let kafka: KafkaView;
    let writer: SourceWriter | undefined;
    const services = new ServiceGroup();

    beforeAll(async () => {
      dbs = await createTestDatabases('ps_stream');
      await createWriterTables(dbs.sourceUrl, { mainRows: MAIN_ROWS });
      // Every 10th item gets a 9.6 kB value stored out of line; the writer never updates `pad`,
      // so its updates of those rows stream the column as unchanged TOAST.
      await dbs.source(
        `ALTER TABLE items ALTER COLUMN pad SET STORAGE EXTERNAL;
         UPDATE items SET pad = (SELECT string_agg(md5(id::text || ':' || i), '')
                                   FROM generate_series(1, 300) i)
          WHERE id % 10 = 0;
         CREATE TABLE bulk (id bigint PRIMARY KEY, n integer NOT NULL);
         INSERT INTO bulk SELECT g, 0 FROM generate_series(1, ${BULK_ROWS}) g;`,
      );
      kafka = await kafkaView();
    });
    afterAll(async () => {
      await writer?.stop();
      await services.stopAll();
      await kafka?.dropPrefix(deployment.topicPrefix);
      await kafka?.close();
      await dbs?.drop();
    });

    it('resends from the checkpoint after the kill; the loader skips it; target equals source', async () => {
      const urls = { sourceUrl: dbs.sourceUrl, targetUrl: dbs.targetUrl };
      const loader = services.start('loader', 'bin', serviceEnv('loader', deployment, urls));
      // The extractor starts before the coordinator: it backs off and tries again.
      const extractorEnv = serviceEnv('extractor-postgres', deployment, urls);
      const first = services.start('extractor-postgres', 'cli', extractorEnv);
      await first.waitForLog('extractor run failed; restarting from the checkpoint');
      const coordinator = services.start(
        'coordinator',
        'bin',
        serviceEnv('coordinator', deployment, urls),
      );
      await waitFor(
        'the snapshot to finish',
        () => allStreaming(coordinator, deployment.jobId, TABLES.length),
        60_000,
      );
      expect((await first.get('/status')).body).toMatchObject({
        state: 'running',
        restarts: expect.any(Number),
        lastError: { code: 'REPL_COORDINATOR_UNAVAILABLE' },
      });

      writer = await startSourceWriter(dbs.sourceUrl, { mainRows: MAIN_ROWS });
      await sleep(2_000);
      const bulkTopic = (await kafka.topicsOf(deployment.topicPrefix)).find((t) =>
        t.endsWith('.public.bulk'),
      );
      if (bulkTopic === undefined) throw new Error('no topic of public.bulk');
      // Updates every `bulk` row in one transaction. Messages are change chunks of at most 1,000
      // events: the whole transaction is at least BULK_ROWS / 1,000 of them.
      await killWhileForwarding(kafka, first, bulkTopic, {
        update: () => dbs.source('UPDATE bulk SET n = n + 1'),
        messages: BULK_ROWS / 1_000,
      });

      const second = services.start('extractor-postgres', 'cli', extractorEnv);
      await second.ready();
      await sleep(3_000);
      const written = await writer.stop();
      writer = undefined;
      expect(written.errors).toEqual([]);
      expect(written.updates).toBeGreaterThan(100);

      // A last change after everything else: once the target has it, the bus has the rest.
      await sleep(1_000);
      await dbs.source('UPDATE bulk SET n = -1 WHERE id = 1');
      await waitFor(
        'the last change to reach the target',
        async () => (await dbs.target('SELECT n FROM bulk WHERE id = 1')).rows[0]?.n === -1,
        60_000,
      );
      const topics = await kafka.topicsOf(deployment.topicPrefix);
      const ends = await waitForConsumed(kafka, dbs.targetUrl, deployment.group, topics);
      expect(await storedOffsets(dbs.targetUrl, deployment.group)).toEqual(ends);

      // The resent part of the stream was skipped, nothing was dead-lettered.
      const stats = await loaderStats(loader);
      expect(stats.skipped).toBeGreaterThan(0);
      expect(stats.deadLettered).toBe(0);

      // Updates that left the TOASTed column out travelled as unchanged columns.
      const itemsTopic = topics.find((t) => t.endsWith('.public.items')) ?? '';
      const itemMessages = await kafka.messages(
        itemsTopic,
        sum([...ends].filter(([key]) => key.startsWith(`${itemsTopic}/`)).map(([, n]) => n)),
      );
      // The extractor service sends change chunks: look at the events inside them.
      const itemEvents = itemMessages.flatMap((value): unknown[] => {
        const events: unknown = Reflect.get(Object(value), 'events');
        return Array.isArray(events) ? events : [value];
      });
      const untouchedToast = itemEvents.filter((value) => {
        const unchanged: unknown = Reflect.get(Object(value), 'unchanged_columns');
        return Array.isArray(unchanged) && unchanged.includes('pad');
      });
      expect(untouchedToast.length).toBeGreaterThan(0);

      const [source, target] = await Promise.all([
        tableDigests(dbs.sourceUrl, TABLES),
        tableDigests(dbs.targetUrl, TABLES),
      ]);
      expect(target).toEqual(source);
      const toasted = await queryOnce(
        dbs.targetUrl,
        'SELECT count(*)::int AS n FROM items WHERE length(pad) = 9600',
      );
      expect(toasted.rows[0]?.n).toBeGreaterThan(0);

      await waitFor(
        'a heartbeat of the extractor at the coordinator',
        async () => (await heartbeatLsn(coordinator, deployment.jobId)) !== undefined,
      );
      expect(await second.stop()).toBe(0);
      expect(await loader.stop()).toBe(0);
      expect(await coordinator.stop()).toBe(0);
    }, 120_000);
  },
);
