/**
 * `kill -9` of a loader service in the middle of a batch: after its first commit, while its
 * target transaction is open (seen in pg_stat_activity), the process is killed; a restarted
 * loader finishes the topic, and the target is identical to what was produced with nothing
 * applied twice (offsets in `_replicator.offsets`, and an audit trigger counting row writes).
 * Before the restart the group's Kafka offsets are rewound to the start, so the restarted loader
 * reads everything again and the target alone must skip what it already holds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOADER_APPLICATION_NAME } from '@database-replicator/runtime';
import { describeWithServices } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import { waitFor } from '../../support/wait-for.js';
import {
  LoaderProcess,
  countPerPartition,
  createAuditedItems,
  expectItemsWrittenOnce,
  itemMessage,
  loaderEnv,
  openKafkaLoaderSuite,
  storedOffsets,
  tableTopic,
  uniquePrefix,
  waitForAppliedCounts,
  type KafkaLoaderSuite,
} from './loader-support.js';

const GROUP = 'crash';
const PARTITIONS = 3;
const MESSAGES = 6_000;

describeWithServices(
  ['postgres', 'kafka'],
  'loader service: kill -9 in the middle of a batch',
  () => {
    const prefix = uniquePrefix('crash');
    const topic = tableTopic(prefix, 'items');
    let suite: KafkaLoaderSuite;

    beforeAll(async () => {
      suite = await openKafkaLoaderSuite('loader_crash', prefix);
      await createAuditedItems(suite.dbs.targetUrl);
      // Every apply statement takes 200 ms more, so a batch is in flight most of the time.
      await suite.dbs.target(
        `CREATE FUNCTION audit.slow() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_sleep(0.2); RETURN NULL; END $$;
       CREATE TRIGGER slow AFTER INSERT ON public.items
         FOR EACH STATEMENT EXECUTE FUNCTION audit.slow();`,
      );
    });
    afterAll(async () => {
      await suite?.close();
    });

    it('restarts after the kill and applies every offset exactly once', async () => {
      const messages = Array.from({ length: MESSAGES }, (_, i) => itemMessage(i + 1));
      const { bus, dbs, loaders } = suite;
      await bus.ensureTopics([topic], { partitions: PARTITIONS });
      const producer = await bus.producer();
      try {
        for (let i = 0; i < messages.length; i += 1_000) {
          await producer.send(topic, messages.slice(i, i + 1_000));
        }
      } finally {
        await producer.close();
      }
      const env = loaderEnv({
        targetUrl: dbs.targetUrl,
        prefix,
        group: GROUP,
        extra: { DR_MAX_BATCH_MESSAGES: '500', DR_LOG_LEVEL: 'debug' },
      });

      const first = new LoaderProcess(env);
      loaders.push(first);
      await first.waitForLog('batch committed');
      await waitFor('the loader to be inside a target transaction', async () => {
        const { rows } = await queryOnce(
          dbs.targetUrl,
          `SELECT count(*)::int AS open FROM pg_stat_activity
          WHERE datname = $1 AND application_name = $2 AND xact_start IS NOT NULL`,
          [dbs.name, LOADER_APPLICATION_NAME],
        );
        return rows[0]?.open === 1;
      });
      await first.kill9();

      // The killed batch left nothing behind: every row present is covered by a stored offset.
      const atKill = sum(await storedOffsets(dbs.targetUrl, GROUP, topic));
      expect(atKill).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(MESSAGES);
      expect(await rowCount(dbs.targetUrl)).toBe(atKill);

      const second = new LoaderProcess(env);
      loaders.push(second);
      const expected = countPerPartition(messages, PARTITIONS);
      await waitForAppliedCounts(
        'the restarted loader to apply everything',
        { url: dbs.targetUrl, group: GROUP, topic },
        expected,
      );

      expect(await storedOffsets(dbs.targetUrl, GROUP, topic)).toEqual(expected);
      await expectItemsWrittenOnce(dbs.targetUrl, MESSAGES);
      expect(await second.stop()).toBe(0);
    });
  },
);

function sum(values: ReadonlyMap<number, number>): number {
  return [...values.values()].reduce((total, value) => total + value, 0);
}

async function rowCount(url: string): Promise<number> {
  const { rows } = await queryOnce(url, 'SELECT count(*)::int AS n FROM public.items');
  return Number(rows[0]?.n);
}
