/**
 * A message the target refuses is dead-lettered once against a real PostgreSQL target: when a
 * rebalance gives its partition to a second loader while the first is still settling it (the
 * second reads again from the bus's last commit, so both hold the message; `init --via pipeline`
 * once sent 102 letters for 51 refused rows so), and when it is read again after it was settled
 * (a replay), even as the last message of its partition, whose offset only the settling stores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, serializeChangeEvent } from '@database-replicator/core';
import type { DeadLetter, LoaderRecord } from '@database-replicator/pipeline';
import {
  connectPostgres,
  createPostgresChangeApplier,
  type PostgresChangeApplier,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import type { TestDatabases } from '../../support/postgres-databases.js';
import {
  createRefusingItems,
  insertEvent,
  itemCopyMessage,
  itemCopyRows,
  loadInProcess as load,
  loaderLogger as logger,
  oneBatchConsumer as consumerOf,
  storedOffsets,
  tableTopic,
} from './loader-support.js';

/** A copy chunk of `items (id, v, n)` with rows `from`..`to` at `offset`. */
function copyMessage(from: number, to: number, offset: number): LoaderRecord {
  return itemCopyMessage(itemCopyRows(from, to), offset);
}

/** A change event inserting item `id` at `offset`. */
function eventMessage(id: number, offset: number): LoaderRecord {
  const event = insertEvent('items', { id, v: `v${id}`, n: id }, offset + 1);
  return {
    key: JSON.stringify({ id }),
    value: serializeChangeEvent(event),
    offset: String(offset),
  };
}

type Loader = Readonly<{ client: PostgresClient; applier: PostgresChangeApplier; pid: number }>;

describeWithServices(['postgres'], 'loader: a refused message is dead-lettered once', () => {
  let dbs: TestDatabases;
  let first: Loader;
  let second: Loader;
  let observer: PostgresClient;

  async function openLoader(): Promise<Loader> {
    const client = await connectPostgres(new Secret(dbs.targetUrl));
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const applier = createPostgresChangeApplier(client, { logger });
    return { client, applier, pid: rows[0]?.pid ?? 0 };
  }

  beforeAll(async () => {
    // Row 13 breaks the target's own rule, as rows n >= 150 do in init-dead-letters.test.ts.
    ({ dbs, client: observer } = await createRefusingItems('loader_dead_once'));
    first = await openLoader();
    second = await openLoader();
  });
  afterAll(async () => {
    for (const client of [first?.client, second?.client, observer]) await client?.close();
    await dbs?.drop();
  });

  /** True once `loader`'s session waits for an advisory lock (polled until `stop` holds). */
  async function waitsForLock(loader: Loader, stop: () => boolean): Promise<void> {
    while (!stop()) {
      const { rows } = await observer.query<{ waiting: boolean }>(
        `SELECT wait_event_type = 'Lock' AND wait_event = 'advisory' AS waiting
           FROM pg_stat_activity WHERE pid = $1`,
        [loader.pid],
      );
      if (rows[0]?.waiting === true) return;
      await sleep(10);
    }
  }

  async function itemIds(from: number, to: number): Promise<number[]> {
    const { rows } = await observer.query<{ id: number }>(
      'SELECT id FROM public.items WHERE id BETWEEN $1 AND $2 ORDER BY id',
      [from, to],
    );
    return rows.map((row) => row.id);
  }

  it('when a second loader gets the partition while the first settles the refused copy chunk', async () => {
    const topic = tableTopic('deadonce', 'items');
    // Chunk 0: rows 1–40, row 13 refused; chunk 1: rows 41–50.
    const messages = [copyMessage(1, 40, 0), copyMessage(41, 50, 1)];
    const letters: string[] = [];
    let secondSent = false;
    let firstSending = (): void => undefined;
    const firstSent = new Promise<void>((resolve) => {
      firstSending = resolve;
    });
    // The first loader's dead letter is held until the second loader waits for the settling
    // lock (fixed) or has sent a letter itself (the bug): ordered by the servers, not by time.
    const firstRun = load(
      first.applier,
      consumerOf(topic, messages),
      'rebalance',
      async (letter) => {
        letters.push(`first ${letter.offset}`);
        firstSending();
        await waitsForLock(second, () => secondSent);
      },
    );
    await firstSent;
    const secondRun = load(
      second.applier,
      consumerOf(topic, messages),
      'rebalance',
      async (letter) => {
        letters.push(`second ${letter.offset}`);
        secondSent = true;
      },
    );
    const [a, b] = await Promise.all([firstRun, secondRun]);
    expect(letters).toEqual(['first 0']);
    // 100 rows read: 49 applied, 1 dead-lettered, 50 skipped (the refused chunk's 40 included).
    expect(a.deadLettered + b.deadLettered).toBe(1);
    expect(a.applied + b.applied).toBe(49);
    expect(a.skipped + b.skipped).toBe(50);
    const expected = Array.from({ length: 50 }, (_, i) => i + 1).filter((id) => id !== 13);
    expect(await itemIds(1, 50)).toEqual(expected);
    expect(await storedOffsets(dbs.targetUrl, 'rebalance', topic)).toEqual(new Map([[0, 2]]));
  });

  it('when a refused event, the last of its partition, is read again after it was settled', async () => {
    const topic = tableTopic('deadonce', 'events');
    const messages = [eventMessage(112, 0), eventMessage(13, 1)];
    const letters: DeadLetter[] = [];
    const send = async (letter: DeadLetter): Promise<void> => void letters.push(letter);
    const settled = await load(first.applier, consumerOf(topic, messages), 'replay', send);
    expect(settled).toMatchObject({ applied: 1, skipped: 0, deadLettered: 1 });
    // The refused event's offset is stored although nothing of it was applied.
    expect(await storedOffsets(dbs.targetUrl, 'replay', topic)).toEqual(new Map([[0, 2]]));
    // Read again (a crash before the bus commit, or a rebalance): skipped, no second letter.
    const replay = await load(second.applier, consumerOf(topic, messages), 'replay', send);
    expect(replay).toMatchObject({ applied: 0, skipped: 2, deadLettered: 0 });
    expect(letters.map((l) => [l.offset, l.code])).toEqual([['1', 'REPL_WRITER_APPLY_FAILED']]);
    expect(letters[0]?.reason).toMatch(/violates check constraint "items_n_check"/);
    expect(await itemIds(100, 200)).toEqual([112]);
  });
});
