/**
 * The distributed pipeline started over on an emptied target while the job's Kafka topics and
 * consumer group live on. A first run (coordinator and PostgreSQL extractor, no loader) leaves a
 * whole snapshot of `items` on the bus, never consumed. The job then starts over (target tables
 * and `_replicator` dropped, slot dropped) and the source changes: a third of the rows deleted,
 * another third updated. In the second run the loader reads the first run's messages before its
 * own and must skip them (another incarnation of the job): applied, they bring the deleted rows
 * back (6,000 rows instead of 4,000 without the check). After catch-up the target equals the
 * source, and the loader counted every message of the first run as another incarnation's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  ServiceGroup,
  allStreaming,
  kafkaView,
  loaderStats,
  serviceEnv,
  sum,
  tableDigests,
  uniqueDeployment,
  type KafkaView,
} from './services-support.js';

const ROWS = 6_000;

describeWithServices(
  ['postgres', 'kafka', 'nats'],
  'pipeline services: a job started over on an emptied target',
  () => {
    const deployment = uniqueDeployment('again');
    let dbs: TestDatabases;
    let kafka: KafkaView;
    const services = new ServiceGroup();

    beforeAll(async () => {
      dbs = await createTestDatabases('ps_again');
      await dbs.source(
        `CREATE TABLE items (id bigint PRIMARY KEY, v text NOT NULL);
         INSERT INTO items SELECT g, 'first ' || g FROM generate_series(1, ${ROWS}) g;`,
      );
      kafka = await kafkaView();
    });
    afterAll(async () => {
      await services.stopAll();
      await kafka?.dropPrefix(deployment.topicPrefix);
      await kafka?.close();
      await dbs?.drop();
    });

    it('skips what the earlier run left on the bus, and the target equals the source', async () => {
      const urls = { sourceUrl: dbs.sourceUrl, targetUrl: dbs.targetUrl };
      /** A coordinator and an extractor, once the extractor has sent the whole snapshot. */
      const startExtracting = async () => {
        const coordinator = services.start(
          'coordinator',
          'cli',
          serviceEnv('coordinator', deployment, urls),
        );
        await coordinator.ready();
        const extractor = services.start(
          'extractor-postgres',
          'bin',
          serviceEnv('extractor-postgres', deployment, urls),
        );
        await waitFor(
          'the snapshot to be sent',
          () => allStreaming(coordinator, deployment.jobId, 1),
          60_000,
        );
        return { coordinator, extractor };
      };

      // First run: the whole snapshot goes to the bus, and nothing consumes it.
      const first = await startExtracting();
      expect(await first.extractor.stop()).toBe(0);
      expect(await first.coordinator.stop()).toBe(0);
      const [topic] = (await kafka.topicsOf(deployment.topicPrefix)).filter((t) =>
        t.endsWith('.public.items'),
      );
      if (topic === undefined) throw new Error('no topic of public.items');
      const leftOnTheBus = sum((await kafka.endOffsets([topic])).values());
      expect(leftOnTheBus).toBeGreaterThan(0);

      // The job starts over: an empty target, and a new slot (the old one would replay the
      // changes below over whatever the loader did). The source moves on.
      await dbs.target('DROP TABLE public.items; DROP SCHEMA _replicator CASCADE');
      await dbs.source(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
          WHERE database = current_database()`,
      );
      await dbs.source(
        `DELETE FROM items WHERE id % 3 = 0;
         UPDATE items SET v = 'second ' || id WHERE id % 3 = 1;`,
      );

      // The loader starts once the target table exists again: the earlier run's messages are
      // then rows of a known table, which only their incarnation tells apart.
      const { coordinator, extractor } = await startExtracting();
      const loader = services.start('loader', 'bin', serviceEnv('loader', deployment, urls));
      // Skipped messages are committed on Kafka (the target stores offsets only with rows).
      const ends = await kafka.endOffsets([topic]);
      await waitFor(
        'the loader to commit every message sent so far',
        async () => {
          const committed = await kafka.committedOffsets(deployment.group, topic);
          return [...ends].every(([partition, end]) => (committed.get(partition) ?? -1) >= end);
        },
        60_000,
      );

      const [source, target] = await Promise.all([
        tableDigests(dbs.sourceUrl, ['items']),
        tableDigests(dbs.targetUrl, ['items']),
      ]);
      expect(source['items']?.rows).toBe(ROWS - ROWS / 3);
      expect(target).toEqual(source);
      const stats = await loaderStats(loader);
      expect(stats.otherIncarnations).toBe(leftOnTheBus);
      expect(stats.deadLettered).toBe(0);

      expect(await extractor.stop()).toBe(0);
      expect(await loader.stop()).toBe(0);
      expect(await coordinator.stop()).toBe(0);
    }, 120_000);
  },
);
