/**
 * The PostgreSQL source's table descriptions and snapshot, against a real server: keys and
 * target DDL, refusal of keyless tables, key-ordered pages with composite keys read one page at
 * a time, the publication's row and time filters, and every common type written back through
 * the real target writer into a table created from the description, compared as row text.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  isReplicatorError,
  Secret,
  type ChangeRow,
  type TablePlan,
} from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import {
  connectPostgres,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';
import { createPostgresSource, type PostgresSource } from '@database-replicator/source-postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import {
  createTargetTable,
  planFor,
  silentLogger,
  snapshotEvent,
  tableText,
  TargetApplier,
  TYPED_TABLE_SQL,
  TYPED_TYPES_SQL,
  typedRowsSql,
} from './source-fixtures.js';

describeWithServices(['postgres'], 'postgres source: describe and snapshot', () => {
  let dbs: TestDatabases;
  let target: PostgresClient;
  const sources: PostgresSource[] = [];

  function source(tables: readonly TablePlan[], suffix: string, fix = false): PostgresSource {
    const created = createPostgresSource({
      url: new Secret(dbs.sourceUrl),
      name: 'src',
      tables,
      slotName: `snap_slot_${suffix}`,
      publicationName: `snap_pub_${suffix}`,
      fixReplicaIdentity: fix,
      logger: silentLogger,
    });
    sources.push(created);
    return created;
  }

  async function readAll(
    from: PostgresSource,
    table: SourceTable,
    pageRows: number,
    after: ChangeRow | null = null,
  ): Promise<ChangeRow[][]> {
    const pages: ChangeRow[][] = [];
    for await (const page of from.readSnapshot(table, after, { pageRows })) pages.push([...page]);
    return pages;
  }

  beforeAll(async () => {
    dbs = await createTestDatabases('srcsnap');
    await dbs.source(`${TYPED_TYPES_SQL}; ${TYPED_TABLE_SQL};
      CREATE INDEX typed_tstz_idx ON public.typed (tstz);
      CREATE UNIQUE INDEX typed_uid_key ON public.typed (uid);
      ${typedRowsSql(0)};
      CREATE TABLE public.pages (tenant int, code text, seq bigint, payload text,
        PRIMARY KEY (tenant, code, seq));
      INSERT INTO public.pages
        SELECT t, c, s, md5(t || c || s) FROM generate_series(1, 5) t,
          unnest(ARRAY['a', 'B', 'b', '10', '9', 'é', '']) c, generate_series(-20, 20) s;
      CREATE TABLE public.orders (id int PRIMARY KEY, region text NOT NULL,
        created_at timestamptz NOT NULL);
      INSERT INTO public.orders VALUES (1, 'eu', now()), (2, 'eu', now() - interval '40 days'),
        (3, 'us', now()), (4, 'eu', now() - interval '1 day');
      CREATE TABLE public.by_index (a int NOT NULL, b text NOT NULL, c text);
      CREATE UNIQUE INDEX by_index_ab ON public.by_index (a, b);
      ALTER TABLE public.by_index REPLICA IDENTITY USING INDEX by_index_ab;
      CREATE TABLE public.no_key (a int);
      CREATE TABLE public.full_no_key (a int);
      ALTER TABLE public.full_no_key REPLICA IDENTITY FULL;
      CREATE TABLE public.pk_nothing (id int PRIMARY KEY);
      ALTER TABLE public.pk_nothing REPLICA IDENTITY NOTHING;`);
    target = await connectPostgres(new Secret(dbs.targetUrl));
    await migrateReplicatorSchema(target);
    await target.query(TYPED_TYPES_SQL);
  });

  afterAll(async () => {
    for (const created of sources) await created.close();
    await target?.close();
    await dbs?.drop();
  });

  it('describes tables for the target: DDL types, keys, secondary indexes', async () => {
    const tables = await source(
      [planFor('typed'), planFor('by_index'), planFor('pages', { schemaOnly: true })],
      'describe',
    ).describeTables();
    const [typed, byIndex, pages] = tables;
    expect(typed?.keyColumns).toEqual(['id']);
    expect(typed?.columns.find((c) => c.name === 'num_fixed')).toEqual({
      name: 'num_fixed',
      type: 'numeric(30,10)',
      nullable: true,
    });
    expect(typed?.columns.find((c) => c.name === 'moods')?.type).toBe('public.mood[]');
    expect(typed?.columns.find((c) => c.name === 'ts')?.type).toBe(
      'timestamp(6) without time zone',
    );
    expect(typed?.columns.find((c) => c.name === 'id')?.nullable).toBe(false);
    expect(typed?.indexes).toEqual([
      'CREATE INDEX IF NOT EXISTS typed_tstz_idx ON public.typed USING btree (tstz)',
      'CREATE UNIQUE INDEX IF NOT EXISTS typed_uid_key ON public.typed USING btree (uid)',
    ]);
    expect(typed?.schemaOnly).toBe(false);
    // REPLICA IDENTITY USING INDEX: the key is what pgoutput sends for deletes.
    expect(byIndex?.keyColumns).toEqual(['a', 'b']);
    expect(pages?.keyColumns).toEqual(['tenant', 'code', 'seq']);
    expect(pages?.schemaOnly).toBe(true);
  });

  it('refuses tables without a usable key, naming every one, before creating anything', async () => {
    const refused = source(
      [planFor('typed'), planFor('no_key'), planFor('full_no_key'), planFor('pk_nothing')],
      'keyless',
    );
    const error = await refused.describeTables().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isReplicatorError(error, 'REPL_SOURCE_KEYLESS_TABLE')).toBe(true);
    const message = error instanceof Error ? error.message : '';
    for (const name of ['no_key', 'full_no_key', 'pk_nothing']) expect(message).toContain(name);
    expect(message).not.toContain('typed');
    const { rows } = await dbs.source(
      "SELECT 1 FROM pg_publication WHERE pubname = 'snap_pub_keyless'",
    );
    expect(rows).toHaveLength(0);
  });

  it('reads composite-key pages in key order, a page per query, and resumes after a key', async () => {
    const reader = source([planFor('pages')], 'pages');
    const [pages] = await reader.describeTables();
    if (pages === undefined) throw new Error('pages not described');
    await reader.startPosition();
    const expected = (
      await dbs.source(
        // ORDER BY p.seq: a bare `seq` would mean the text output column.
        'SELECT tenant, code, seq::text AS seq, payload FROM public.pages p ORDER BY tenant, code, p.seq',
      )
    ).rows;
    const read = await readAll(reader, pages, 64);
    expect(read.slice(0, -1).every((page) => page.length === 64)).toBe(true);
    expect(read.flat()).toEqual(expected);

    const after = { tenant: 3, code: 'b', seq: '7' };
    const rest = (await readAll(reader, pages, 100, after)).flat();
    const index = expected.findIndex((r) => r.tenant === 3 && r.code === 'b' && r.seq === '7');
    expect(rest).toEqual(expected.slice(index + 1));

    // Lazy: a row written after the first page was read, beyond it, still arrives.
    const iterator = reader.readSnapshot(pages, null, { pageRows: 500 })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toHaveLength(500);
    await dbs.source("INSERT INTO public.pages VALUES (99, 'z', 1, 'late')");
    const later: ChangeRow[] = [];
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) {
      later.push(...step.value);
    }
    expect(later.at(-1)).toEqual({ tenant: 99, code: 'z', seq: '1', payload: 'late' });
  });

  it('applies the row and time filters the publication holds, and refuses a snapshot before it exists', async () => {
    const plan = [
      planFor('orders', {
        rowFilters: ["region = 'eu'"],
        timeFilters: [{ column: 'created_at', last: { amount: 30, unit: 'day' } }],
      }),
    ];
    const early = source(plan, 'early');
    const [early_orders] = await early.describeTables();
    if (early_orders === undefined) throw new Error('orders not described');
    const missing = await readAll(early, early_orders, 10).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isReplicatorError(missing, 'REPL_SOURCE_SLOT_MISSING')).toBe(true);

    const refused = await source(plan, 'identity')
      .startPosition()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(isReplicatorError(refused, 'REPL_NATIVE_REPLICA_IDENTITY')).toBe(true);

    const filtered = source(plan, 'filters', true);
    const [orders] = await filtered.describeTables();
    if (orders === undefined) throw new Error('orders not described');
    await filtered.startPosition();
    const ids = (await readAll(filtered, orders, 10)).flat().map((row) => row['id']);
    expect(ids).toEqual([1, 4]);
    const { rows } = await dbs.source(
      "SELECT rowfilter FROM pg_publication_tables WHERE pubname = 'snap_pub_filters'",
    );
    expect(String(rows[0]?.rowfilter)).toContain("region = 'eu'");
    expect(String(rows[0]?.rowfilter)).toContain('created_at >=');
  });

  it('writes every common type back unchanged through the target writer', async () => {
    const reader = source([planFor('typed')], 'typed');
    const [typed] = await reader.describeTables();
    if (typed === undefined) throw new Error('typed not described');
    const start = await reader.startPosition();
    await createTargetTable(target, typed);
    const rows = (await readAll(reader, typed, 2)).flat();
    expect(rows).toHaveLength(5);
    // Spot checks of the wire form; the row-text comparison below checks everything.
    expect(rows[0]).toMatchObject({
      i2: -32768,
      i8: '-9223372036854775808',
      f8: -1.7976931348623157e308,
      flag: false,
      raw: 'AP8Q',
      j: { a: 1, b: [true, null, 'x'], c: { d: 'é' } },
      ints: '{1,NULL,3}',
    });
    expect(rows[1]).toMatchObject({
      num: 'NaN',
      f4: 'Infinity',
      f8: 'NaN',
      raw: '',
      tstz: '-infinity',
    });
    expect(rows[3]).toMatchObject({ f8: '-0', tstz: '1970-01-01 00:00:00.000001+00' });
    await new TargetApplier(target).apply(
      typed,
      rows.map((row) => snapshotEvent(typed, row, start)),
    );
    expect(await tableText(dbs.targetUrl, 'typed')).toEqual(
      await tableText(dbs.sourceUrl, 'typed'),
    );
  });
});
