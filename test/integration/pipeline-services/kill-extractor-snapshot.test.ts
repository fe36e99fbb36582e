/**
 * The distributed pipeline (coordinator, loader and PostgreSQL extractor as child processes,
 * configured through their environment, on Kafka and NATS): `kill -9` of the extractor in the
 * middle of the snapshot of a 200,000-row table with TOASTed values. The restarted extractor
 * resumes after the last page the coordinator recorded (rows sent again are at most one page, far
 * fewer than the total), and after catch-up the target equals the source; every Kafka message
 * was consumed once (stored offsets equal the topics' end offsets, and the one loader counted
 * each row event once) and no row event was written twice (an audit trigger on the target).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  ServiceGroup,
  jobTables,
  kafkaView,
  loaderStats,
  rowIds,
  serviceEnv,
  storedOffsets,
  sum,
  tableDigests,
  uniqueDeployment,
  waitForConsumed,
  type KafkaView,
} from './services-support.js';

const ROWS = 200_000;
/** Rows per snapshot page (runExtractor's default): the most a kill can make it send again. */
const PAGE_ROWS = 8_000;

describeWithServices(
  ['postgres', 'kafka', 'nats'],
  'pipeline services: kill -9 of the extractor in the middle of the snapshot',
  () => {
    const deployment = uniqueDeployment('snap');
    let dbs: TestDatabases;
    let kafka: KafkaView;
    const services = new ServiceGroup();

    beforeAll(async () => {
      dbs = await createTestDatabases('ps_snap');
      // Every 1000th row carries a 9.6 kB incompressible value, stored out of line (TOAST).
      await dbs.source(
        `CREATE TABLE big (id bigint PRIMARY KEY, n integer NOT NULL, note text, payload text);
         ALTER TABLE big ALTER COLUMN payload SET STORAGE EXTERNAL;
         INSERT INTO big (id, n, note, payload)
         SELECT g, g % 1000, CASE WHEN g % 3 = 0 THEN NULL ELSE 'row ' || g END,
                CASE WHEN g % 1000 = 0
                     THEN (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 300) i)
                END
           FROM generate_series(1, ${ROWS}) g;
         ANALYZE big;`,
      );
      // The target table exists already (the coordinator keeps it), with an audit of every write.
      await dbs.target(
        `CREATE TABLE public.big (id bigint PRIMARY KEY, n integer NOT NULL, note text, payload text);
         CREATE SCHEMA audit;
         CREATE TABLE audit.writes (id bigint NOT NULL);
         CREATE FUNCTION audit.record() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN INSERT INTO audit.writes VALUES (NEW.id); RETURN NULL; END $$;
         CREATE TRIGGER audit AFTER INSERT OR UPDATE ON public.big
           FOR EACH ROW EXECUTE FUNCTION audit.record();`,
      );
      kafka = await kafkaView();
    });
    afterAll(async () => {
      await services.stopAll();
      await kafka?.dropPrefix(deployment.topicPrefix);
      await kafka?.close();
      await dbs?.drop();
    });

    it('resumes the snapshot after the kill, and the target equals the source', async () => {
      const urls = { sourceUrl: dbs.sourceUrl, targetUrl: dbs.targetUrl };
      const coordinator = services.start(
        'coordinator',
        'cli',
        serviceEnv('coordinator', deployment, urls),
      );
      const loader = services.start('loader', 'bin', serviceEnv('loader', deployment, urls));
      await coordinator.ready();
      const extractorEnv = serviceEnv('extractor-postgres', deployment, urls, {
        DR_SNAPSHOT_WORKERS: '1',
      });
      const first = services.start('extractor-postgres', 'bin', extractorEnv);

      // Kill once the coordinator shows a good part of the table copied, but not all of it.
      const copied = async (): Promise<number> =>
        (await jobTables(coordinator, deployment.jobId)).find((t) => t.table === 'big')
          ?.rowsCopied ?? 0;
      let seen = 0;
      await waitFor(
        'the snapshot to be under way',
        async () => {
          seen = await copied();
          if (seen >= ROWS)
            throw new Error(`the snapshot finished before the kill:\n${first.output}`);
          return seen >= 30_000;
        },
        60_000,
      );
      await first.kill9();

      const second = services.start('extractor-postgres', 'bin', extractorEnv);
      // It resumes where the coordinator recorded the last page the bus acknowledged.
      const resumedAt = Number((await second.waitForLog('table snapshot started'))['rows']);
      expect(resumedAt).toBeGreaterThanOrEqual(seen);
      expect(resumedAt).toBeLessThan(ROWS);
      await waitFor(
        'the snapshot to finish',
        async () => {
          const big = (await jobTables(coordinator, deployment.jobId)).find(
            (t) => t.table === 'big',
          );
          return big?.phase === 'streaming';
        },
        60_000,
      );

      // Catch-up: the loader stored, for every partition, the topic's end offset.
      const topics = await kafka.topicsOf(deployment.topicPrefix);
      const [topic] = topics.filter((t) => t.endsWith('.public.big'));
      if (topic === undefined) throw new Error(`no topic of public.big among ${topics.join(', ')}`);
      const ends = await waitForConsumed(kafka, dbs.targetUrl, deployment.group, [topic]);
      expect(await storedOffsets(dbs.targetUrl, deployment.group)).toEqual(ends);

      // Every row is on the bus, and the restart re-sent at most the page in flight at the kill.
      const keys = rowIds(await kafka.messages(topic, sum(ends.values())));
      expect(new Set(keys).size).toBe(ROWS);
      const resent = keys.length - ROWS;
      expect(resent).toBeLessThanOrEqual(PAGE_ROWS);
      expect(resent).toBeLessThan(resumedAt);

      // The one loader counted each row event once, and wrote none twice.
      const stats = await loaderStats(loader);
      expect(stats.applied + stats.skipped).toBe(keys.length);
      expect(stats.deadLettered).toBe(0);
      const writes = await queryOnce(
        dbs.targetUrl,
        'SELECT count(*)::int AS writes, count(DISTINCT id)::int AS ids FROM audit.writes',
      );
      expect(writes.rows[0]?.ids).toBe(ROWS);
      expect(writes.rows[0]?.writes).toBeLessThanOrEqual(keys.length);

      const [source, target] = await Promise.all([
        tableDigests(dbs.sourceUrl, ['big']),
        tableDigests(dbs.targetUrl, ['big']),
      ]);
      expect(source['big']?.rows).toBe(ROWS);
      expect(target).toEqual(source);

      expect(await second.stop()).toBe(0);
      expect(await loader.stop()).toBe(0);
      expect(await coordinator.stop()).toBe(0);
    }, 120_000);
  },
);
