/**
 * Snapshot copy chunks the target refuses in part: the loader dead-letters only the refused rows
 * (one letter each, a one-row copy chunk that can be applied again), applies every other row of
 * the same chunks together with the chunks' offsets, and skips the whole batch when it is read
 * again, with no new dead letters.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCopyChunk } from '@database-replicator/core';
import type { DeadLetter, LoaderStats } from '@database-replicator/pipeline';
import {
  createPostgresChangeApplier,
  type PostgresChangeApplier,
  type PostgresClient,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import type { TestDatabases } from '../../support/postgres-databases.js';
import {
  createRefusingItems,
  itemCopyMessage as copyMessage,
  itemCopyRows as rows,
  loadInProcess,
  loaderLogger as logger,
  oneBatchConsumer,
  storedOffsets,
  tableTopic,
} from './loader-support.js';

const GROUP = 'copy-poison';
const TOPIC = tableTopic('copypoison', 'items');

/** Chunk 0: rows 1–40, row 13 breaks CHECK (n <> 13); chunk 1: rows 41–50, row 45 has a NULL v. */
const MESSAGES = [
  copyMessage(rows(1, 40), 0),
  copyMessage(
    rows(41, 50).map((line) => (line.startsWith('45\t') ? '45\t\\N\t45' : line)),
    1,
  ),
  copyMessage(rows(51, 60), 2),
];

describeWithServices(['postgres'], 'loader: copy chunks refused in part', () => {
  let dbs: TestDatabases;
  let client: PostgresClient;
  let applier: PostgresChangeApplier;
  /** The first load's dead letters, applied again by the last test. */
  let refused: DeadLetter[] = [];

  beforeAll(async () => {
    ({ dbs, client } = await createRefusingItems('loader_copy_poison'));
    applier = createPostgresChangeApplier(client, { logger });
  });
  afterAll(async () => {
    await client?.close();
    await dbs?.drop();
  });

  async function load(): Promise<{ stats: LoaderStats; letters: DeadLetter[]; commits: string[] }> {
    const letters: DeadLetter[] = [];
    const commits: string[] = [];
    const send = async (letter: DeadLetter): Promise<void> => void letters.push(letter);
    const consumer = oneBatchConsumer(TOPIC, MESSAGES, commits);
    const stats = await loadInProcess(applier, consumer, GROUP, send);
    return { stats, letters, commits };
  }

  async function storedIds(): Promise<number[]> {
    const { rows: found } = await client.query<{ id: number }>(
      'SELECT id FROM public.items ORDER BY id',
    );
    return found.map((row) => row.id);
  }

  it('dead-letters only the refused rows and applies the others once', async () => {
    const first = await load();
    refused = first.letters;
    expect(first.letters.map((l) => [l.offset, l.code])).toEqual([
      ['0', 'REPL_WRITER_APPLY_FAILED'],
      ['1', 'REPL_WRITER_APPLY_FAILED'],
    ]);
    expect(first.letters[0]?.reason).toMatch(/row 13 .*violates check constraint "items_n_check"/);
    expect(first.letters[1]?.reason).toMatch(/row 5 .*null value in column "v"/);
    // Each letter is the refused row as a one-row copy chunk, under its chunk's key.
    const [a, b] = first.letters.map((l) => parseCopyChunk(l.value ?? ''));
    expect(a).toMatchObject({ row_count: 1, copy: '13\tv13\t13\n', columns: ['id', 'v', 'n'] });
    expect(b).toMatchObject({ row_count: 1, copy: '45\t\\N\t45\n' });
    expect(first.letters.map((l) => l.key)).toEqual(['{"chunk":0}', '{"chunk":1}']);
    const expected = rows(1, 60)
      .map((_, i) => i + 1)
      .filter((id) => id !== 13 && id !== 45);
    expect(await storedIds()).toEqual(expected);
    expect(first.stats).toMatchObject({ applied: 58, skipped: 0, deadLettered: 2 });
    expect(first.commits).toEqual(['3']);
    expect(await storedOffsets(dbs.targetUrl, GROUP, TOPIC)).toEqual(new Map([[0, 3]]));

    // Read again (a crash before the bus commit): skipped whole, nothing dead-lettered again.
    const replay = await load();
    expect(replay.letters).toEqual([]);
    expect(replay.stats).toMatchObject({ applied: 0, skipped: 60, deadLettered: 0 });
    expect(await storedIds()).toEqual(expected);
  });

  it('applies the dead letters again once the target accepts them', async () => {
    expect(refused).toHaveLength(2);
    await client.query('ALTER TABLE public.items DROP CONSTRAINT items_n_check');
    await client.query(`ALTER TABLE public.items ALTER COLUMN v DROP NOT NULL`);
    const result = await applier.applyCopyChunks({
      consumerGroup: 'redo',
      table: { schema: 'public', table: 'items' },
      keyColumns: ['id'],
      chunks: refused.map((letter) => ({
        chunk: parseCopyChunk(letter.value ?? ''),
        topic: letter.topic,
        partition: letter.partition,
        offset: letter.offset,
      })),
    });
    expect(result.applied).toBe(2);
    expect(await storedIds()).toEqual(rows(1, 60).map((_, i) => i + 1));
  });
});
