/**
 * The PostgreSQL source's change stream against a real server: the start position, every kind of
 * change with exact positions, every common type written back through the real target writer,
 * unchanged TOAST columns, large transactions split into bounded steps, resuming from a
 * checkpointed position without re-yielding, heartbeats of an idle source that advance the slot
 * once acknowledged, and a slow consumer stalling the walsender instead of buffering.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  comparePositions,
  parseChangeEvent,
  parseLsn,
  Secret,
  type ChangeEvent,
  type SourcePosition,
} from '@database-replicator/core';
import type { SourceTable, SourceTransaction } from '@database-replicator/pipeline';
import {
  connectPostgres,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import { createPostgresSource, type PostgresSource } from '@database-replicator/source-postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import {
  committed,
  createTargetTable,
  eventsOf,
  planFor,
  silentLogger,
  StepReader,
  tableText,
  TargetApplier,
  TYPED_TABLE_SQL,
  TYPED_TYPES_SQL,
  typedRowsSql,
} from './source-fixtures.js';

const SLOT = 'stream_slot';
const PUBLICATION = 'stream_pub';

function lsnOf(position: SourcePosition | null | undefined): string {
  if (position?.kind !== 'postgres') throw new Error('expected a postgres position');
  return position.lsn;
}

describeWithServices(['postgres'], 'postgres source: change stream', () => {
  let dbs: TestDatabases;
  let target: PostgresClient;
  let source: PostgresSource;
  let tables: Map<string, SourceTable>;
  let start: SourcePosition;
  let applier: TargetApplier;
  const readers: StepReader[] = [];
  const others: PostgresSource[] = [];

  function newSource(): PostgresSource {
    const created = createPostgresSource({
      url: new Secret(dbs.sourceUrl),
      name: 'src',
      tables: ['items', 'typed', 'bulk'].map((table) => planFor(table)),
      slotName: SLOT,
      publicationName: PUBLICATION,
      logger: silentLogger,
    });
    others.push(created);
    return created;
  }

  function read(from: SourcePosition, on: PostgresSource = source): StepReader {
    const reader = new StepReader(on, from);
    readers.push(reader);
    return reader;
  }

  function table(name: string): SourceTable {
    const found = tables.get(name);
    if (found === undefined) throw new Error(`${name} not described`);
    return found;
  }

  async function applyAll(steps: readonly SourceTransaction[]): Promise<void> {
    for (const event of eventsOf(steps)) await applier.apply(table(event.source.table), [event]);
  }

  async function slotFlush(): Promise<string> {
    const { rows } = await dbs.source(
      'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
      [SLOT],
    );
    return String(rows[0]?.lsn);
  }

  beforeAll(async () => {
    dbs = await createTestDatabases('srcstream');
    await dbs.source(`${TYPED_TYPES_SQL}; ${TYPED_TABLE_SQL};
      CREATE TABLE public.items (id int PRIMARY KEY, qty int NOT NULL, note text, big text);
      CREATE TABLE public.bulk (id int PRIMARY KEY, payload text NOT NULL);
      CREATE TABLE public.unpublished (id serial PRIMARY KEY, at timestamptz DEFAULT now());`);
    target = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(target);
    await target.query(TYPED_TYPES_SQL);
    source = newSource();
    tables = new Map((await source.describeTables()).map((t) => [t.id.table, t]));
    for (const described of tables.values()) await createTargetTable(target, described);
    start = await source.startPosition();
    applier = new TargetApplier(target);
  });

  // A failed test must not leave its stream holding the slot for the next one.
  afterEach(async () => {
    for (const reader of readers.splice(0)) await reader.close();
  });

  afterAll(async () => {
    for (const created of others) await created.close();
    await target?.close();
    await dbs?.drop();
  });

  it('creates the publication and then the slot; a second call returns the slot position', async () => {
    expect(lsnOf(start)).toBe(await slotFlush());
    const { rows } = await dbs.source(
      'SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1',
      [PUBLICATION],
    );
    expect(rows.map((r) => r.tablename)).toEqual(['bulk', 'items', 'typed']);
    expect(await newSource().startPosition()).toEqual(start);
  });

  it('streams inserts, updates, key changes, deletes and truncates with exact positions', async () => {
    const reader = read(start);
    await dbs.source(`INSERT INTO public.items VALUES (1, 1, 'one', NULL), (2, 2, 'two', NULL)`);
    await dbs.source(`UPDATE public.items SET qty = 10 WHERE id = 1`);
    await dbs.source(`UPDATE public.items SET id = 3 WHERE id = 2`);
    await dbs.source(`DELETE FROM public.items WHERE id = 1`);
    await dbs.source(
      `BEGIN; INSERT INTO public.bulk VALUES (1, 'x'); TRUNCATE public.bulk; COMMIT`,
    );
    const steps = await reader.until((s) => committed(s).length >= 5);
    const transactions = committed(steps);
    expect(transactions.map((t) => t.events.map((e) => e.op).join(''))).toEqual([
      'cc',
      'u',
      'u',
      'd',
      'ct',
    ]);
    for (const transaction of transactions) {
      const commitLsn = lsnOf(transaction.events[0]?.source.position);
      expect(transaction.events.map((e) => e.source.position)).toEqual(
        transaction.events.map((_, txIndex) => ({ kind: 'postgres', lsn: commitLsn, txIndex })),
      );
      // Resuming after the commit: its end is past its commit LSN.
      expect(parseLsn(lsnOf(transaction.resumeFrom)) > parseLsn(commitLsn)).toBe(true);
      for (const event of transaction.events) {
        expect(parseChangeEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
        expect(Math.abs(event.source.ts_ms - Date.now())).toBeLessThan(60_000);
      }
    }
    const [inserted, updated, rekeyed, deleted] = transactions.map((t) => t.events);
    expect(inserted?.[0]?.after).toEqual({ id: 1, qty: 1, note: 'one', big: null });
    expect(updated?.[0]).toMatchObject({ before: null, after: { id: 1, qty: 10 } });
    expect(rekeyed?.[0]).toMatchObject({
      before: { id: 2 },
      after: { id: 3, qty: 2, note: 'two' },
    });
    expect(deleted?.[0]).toMatchObject({ before: { id: 1 }, after: null });
    const positions = eventsOf(steps).map((e) => e.source.position);
    expect(
      positions.every((p, i) => i === 0 || comparePositions(positions[i - 1] ?? p, p) < 0),
    ).toBe(true);
    await applyAll(steps);
    expect(await tableText(dbs.targetUrl, 'items')).toEqual(
      await tableText(dbs.sourceUrl, 'items'),
    );
    expect(await tableText(dbs.targetUrl, 'bulk')).toEqual([]);
    await reader.close();
  });

  it('writes every common type back unchanged through the target writer', async () => {
    const reader = read(start);
    await dbs.source(typedRowsSql(0));
    await dbs.source(
      `UPDATE public.typed SET i4 = i4 + 1, txt = txt || E'\\t!' WHERE id IN (1, 4)`,
    );
    const steps = await reader.until((s) =>
      committed(s).some((t) => t.events.some((e) => e.source.table === 'typed' && e.op === 'u')),
    );
    const typedEvents = eventsOf(steps).filter((e) => e.source.table === 'typed');
    expect(typedEvents.map((e) => e.op).join('')).toBe('cccccuu');
    expect(typedEvents[0]?.after).toMatchObject({
      i8: '-9223372036854775808',
      raw: 'AP8Q',
      f8: -1.7976931348623157e308,
    });
    await applier.apply(table('typed'), typedEvents);
    expect(await tableText(dbs.targetUrl, 'typed')).toEqual(
      await tableText(dbs.sourceUrl, 'typed'),
    );
    await reader.close();
  });

  it('lists an unchanged TOASTed column of an update and leaves it out of after', async () => {
    const reader = read(start);
    // ~200 kB of poorly compressible text: stored out of line in the TOAST table.
    await dbs.source(`INSERT INTO public.items VALUES (50, 1, 'toast',
      (SELECT string_agg(md5(random()::text || i), '') FROM generate_series(1, 6000) i))`);
    await dbs.source(`UPDATE public.items SET qty = 2 WHERE id = 50`);
    const steps = await reader.until((s) =>
      eventsOf(s).some((e) => e.op === 'u' && e.after?.['id'] === 50),
    );
    const events = eventsOf(steps).filter((e) => e.after?.['id'] === 50);
    const update = events.find((e) => e.op === 'u');
    expect(update?.unchanged_columns).toEqual(['big']);
    expect(update?.after).toEqual({ id: 50, qty: 2, note: 'toast' });
    await applyAll(steps);
    expect(await tableText(dbs.targetUrl, 'items')).toEqual(
      await tableText(dbs.sourceUrl, 'items'),
    );
    await reader.close();
  });

  it('splits a large transaction into steps of at most 2000 events; only the last resumes', async () => {
    const reader = read(start);
    await dbs.source(
      `INSERT INTO public.bulk SELECT i, 'row ' || i FROM generate_series(1, 4500) i`,
    );
    const steps = await reader.until(
      (s) => eventsOf(s).filter((e) => e.source.table === 'bulk' && e.op === 'c').length >= 4500,
    );
    const bulk = steps.filter((s) =>
      s.events.some(
        (e) => e.source.table === 'bulk' && e.op === 'c' && Number(e.after?.['id']) > 1,
      ),
    );
    expect(bulk.map((s) => [s.events.length, s.resumeFrom === null])).toEqual([
      [2000, true],
      [2000, true],
      [500, false],
    ]);
    const indexes = bulk.flatMap((s) =>
      s.events.map((e) => (e.source.position.kind === 'postgres' ? e.source.position.txIndex : -1)),
    );
    expect(indexes).toEqual(Array.from({ length: 4500 }, (_, i) => i));
    await reader.close();
  });

  it('resumes after a checkpointed position without re-yielding anything at or below it', async () => {
    const item = (id: number) => (e: ChangeEvent) =>
      e.source.table === 'items' && e.after?.['id'] === id;
    const first = read(start);
    await dbs.source(`INSERT INTO public.items VALUES (100, 1, 'a', NULL)`);
    await dbs.source(`INSERT INTO public.items VALUES (101, 1, 'b', NULL)`);
    const seen = await first.until((s) => eventsOf(s).some(item(101)));
    const checkpoint = committed(seen).find((t) => t.events.some(item(100)))?.resumeFrom;
    if (checkpoint === undefined || checkpoint === null)
      throw new Error('no checkpoint after row 100');
    await first.close();
    await source.close();

    // A restarted extractor: a new source, from the checkpoint taken after row 100.
    source = newSource();
    await dbs.source(`INSERT INTO public.items VALUES (102, 1, 'c', NULL)`);
    const second = read(checkpoint);
    const resumed = committed(await second.until((s) => eventsOf(s).some(item(102))));
    expect(resumed.map((t) => t.events.map((e) => e.after?.['id']))).toEqual([[101], [102]]);
    for (const event of eventsOf(resumed))
      expect(comparePositions(event.source.position, checkpoint)).toBe(1);
    await second.close();
  });

  it('sends heartbeats while idle, at most one a second, and acknowledging moves the slot exactly there', async () => {
    const before = await slotFlush();
    const reader = read(start);
    // Drain what earlier tests left in the slot, then keep WAL moving outside the publication.
    const writer = setInterval(
      () => void dbs.source('INSERT INTO public.unpublished DEFAULT VALUES').catch(() => undefined),
      100,
    );
    try {
      const startedAt = Date.now();
      const steps = await reader.until(
        (s) => s.filter((step) => step.events.length === 0).length >= 3,
        30_000,
      );
      const heartbeats = steps.filter((step) => step.events.length === 0);
      expect(heartbeats.length).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 1000) + 1);
      const last = heartbeats.at(-1)?.resumeFrom ?? null;
      expect(parseLsn(lsnOf(last)) > parseLsn(before)).toBe(true);
      expect(await slotFlush()).toBe(before); // nothing moves before the acknowledgement
      if (last === null) throw new Error('no heartbeat');
      await source.acknowledge(last);
      const deadline = Date.now() + 10_000;
      while ((await slotFlush()) !== lsnOf(last) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await slotFlush()).toBe(lsnOf(last));
    } finally {
      clearInterval(writer);
      await reader.close();
    }
  });

  it('stalls the walsender while the consumer does not pull, then delivers everything; a later acknowledgement advances the idle slot', async () => {
    const from: SourcePosition = { kind: 'postgres', lsn: await slotFlush(), txIndex: 0 };
    const reader = read(from);
    await reader.next(500); // the stream is open
    await dbs.source(`INSERT INTO public.bulk SELECT i, repeat(md5(i::text), 64)
      FROM generate_series(10001, 40000) i`);
    const { rows } = await dbs.source('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const end = parseLsn(String(rows[0]?.lsn));
    const sent = async (): Promise<bigint> => {
      const result = await dbs.source(
        `SELECT r.sent_lsn::text AS lsn FROM pg_stat_replication r
           JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = $1`,
        [SLOT],
      );
      return parseLsn(String(result.rows[0]?.lsn ?? '0/0'));
    };
    let previous = -1n;
    for (let settled = 0; settled < 5;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = await sent();
      settled = now === previous ? settled + 1 : 0;
      previous = now;
    }
    // 30,000 changes of 2 kB each as decoded; the queue holds at most 10,000 messages.
    expect(previous < end).toBe(true);
    const steps = await reader.until(
      (s) => eventsOf(s).filter((e) => e.source.table === 'bulk').length >= 30_000,
      60_000,
    );
    expect(eventsOf(steps).filter((e) => e.source.table === 'bulk')).toHaveLength(30_000);
    await reader.close();

    // Acknowledged after the stream ended (no connection to report on): the slot is advanced.
    const resume = steps.filter((step) => step.resumeFrom !== null).at(-1)?.resumeFrom ?? null;
    if (resume === null) throw new Error('no resume point');
    await source.acknowledge(resume);
    expect(await slotFlush()).toBe(lsnOf(resume));
  }, 120_000);
});
