/**
 * What every job store must do, run against the real target database: once on the PostgreSQL
 * store directly and once through the coordinator over NATS, so both give the same results and
 * the same error codes. Each test uses its own job id and target schema in the shared database.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { SourcePosition } from '@database-replicator/core';
import type {
  CoordinatorJobStore,
  ExtractorCheckpoint,
  SourceTable,
} from '@database-replicator/pipeline';

/** What a contract run needs: the store under test and SQL on the target it writes to. */
export type ContractContext = Readonly<{
  store(): CoordinatorJobStore;
  target(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}>;

/** A fresh job id and target schema name. */
export function freshNames(): { jobId: string; schema: string } {
  const suffix = randomBytes(4).toString('hex');
  return { jobId: `job_${suffix}`, schema: `app_${suffix}` };
}

/** A two-column table `schema.name` keyed by `id`, with one secondary index. */
export function sourceTable(
  schema: string,
  name: string,
  extra: Partial<SourceTable> = {},
): SourceTable {
  return {
    id: { schema, table: name },
    keyColumns: ['id'],
    columns: [
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'label', type: 'character varying(40)', nullable: true },
      { name: 'amount', type: 'numeric(12,2)', nullable: false },
    ],
    indexes: [`CREATE INDEX IF NOT EXISTS "${name}_label_idx" ON "${schema}"."${name}" (label)`],
    estimatedRows: 100,
    schemaOnly: false,
    ...extra,
  };
}

async function indexNames(context: ContractContext, schema: string): Promise<string[]> {
  const { rows } = await context.target(
    'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1',
    [schema],
  );
  return rows.map((row) => String(row['indexname']));
}

async function primaryKeys(context: ContractContext, schema: string) {
  const { rows } = await context.target(
    `SELECT c.relname AS table, array_agg(a.attname ORDER BY k.ord)::text AS key
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND i.indisprimary GROUP BY c.relname ORDER BY 1`,
    [schema],
  );
  return rows;
}

/** Registers the tests; `context` is read inside each test (after `beforeAll`). */
export function jobStoreContract(context: ContractContext): void {
  it('registers tables: creates schema and tables with their columns, the key after the load', async () => {
    const { jobId, schema } = freshNames();
    const composite = sourceTable(schema, 'lines', {
      keyColumns: ['order_id', 'line'],
      columns: [
        { name: 'order_id', type: 'integer', nullable: false },
        { name: 'line', type: 'smallint', nullable: false },
        { name: 'at', type: 'timestamp(3) with time zone', nullable: true },
      ],
      indexes: [],
    });
    await context.store().registerTables(jobId, [sourceTable(schema, 'items'), composite]);

    const { rows: columns } = await context.target(
      `SELECT table_name, column_name, format_type(a.atttypid, a.atttypmod) AS type, c.is_nullable
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
                            AND a.attname = c.column_name
        WHERE c.table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    );
    expect(columns).toEqual([
      { table_name: 'items', column_name: 'id', type: 'bigint', is_nullable: 'NO' },
      {
        table_name: 'items',
        column_name: 'label',
        type: 'character varying(40)',
        is_nullable: 'YES',
      },
      { table_name: 'items', column_name: 'amount', type: 'numeric(12,2)', is_nullable: 'NO' },
      { table_name: 'lines', column_name: 'order_id', type: 'integer', is_nullable: 'NO' },
      { table_name: 'lines', column_name: 'line', type: 'smallint', is_nullable: 'NO' },
      {
        table_name: 'lines',
        column_name: 'at',
        type: 'timestamp(3) with time zone',
        is_nullable: 'YES',
      },
    ]);
    // The primary keys and secondary indexes wait for the snapshot: COPY into a bare table is
    // the cheapest load.
    expect(await indexNames(context, schema)).toEqual([]);
    expect(await context.store().listJobTables(jobId)).toMatchObject([
      { schema, table: 'items', phase: 'pending', rowsCopied: 0, estimatedRows: 100 },
      { schema, table: 'lines', phase: 'pending', rowsCopied: 0, lastError: null },
    ]);
    for (const worker of ['w1', 'w2']) {
      const claim = await context.store().claimSnapshotTable(jobId, worker, 60_000);
      if (claim === undefined) throw new Error('a table was not claimed');
      const done = { afterKey: null, rows: 0, done: true };
      await context.store().saveSnapshotProgress(jobId, worker, claim.table, done);
    }
    expect(await primaryKeys(context, schema)).toEqual([
      { table: 'items', key: '{id}' },
      { table: 'lines', key: '{order_id,line}' },
    ]);
  });

  it('leaves a table that exists on the target as it is', async () => {
    const { jobId, schema } = freshNames();
    await context.target(`CREATE SCHEMA "${schema}"`);
    await context.target(
      `CREATE TABLE "${schema}".items (id bigint, label varchar(40), amount numeric(12,2) NOT NULL,
         CONSTRAINT own_key PRIMARY KEY (id))`,
    );
    await context.store().registerTables(jobId, [sourceTable(schema, 'items')]);
    expect(await indexNames(context, schema)).toEqual(['own_key']);
    const claim = await context.store().claimSnapshotTable(jobId, 'w1', 60_000);
    if (claim === undefined) throw new Error('the table was not claimed');
    await context.store().saveSnapshotProgress(jobId, 'w1', claim.table, {
      afterKey: null,
      rows: 0,
      done: true,
    });
    expect(await indexNames(context, schema)).toEqual(['items_label_idx', 'own_key']);
  });

  it('keeps progress when tables are registered again', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    await store.registerTables(jobId, [sourceTable(schema, 'items')]);
    const claim = await store.claimSnapshotTable(jobId, 'w1', 60_000);
    expect(claim).toEqual({
      table: { schema, table: 'items' },
      progress: { afterKey: null, rows: 0, done: false },
    });
    const progress = { afterKey: { id: '42' }, rows: 42, done: false };
    await store.saveSnapshotProgress(jobId, 'w1', { schema, table: 'items' }, progress);

    await store.registerTables(jobId, [sourceTable(schema, 'items', { estimatedRows: 5000 })]);

    expect(await store.listJobTables(jobId)).toMatchObject([
      { table: 'items', phase: 'snapshot', rowsCopied: 42, estimatedRows: 5000 },
    ]);
    expect(await indexNames(context, schema)).toEqual([]);
    // The worker gets its table back with the stored progress; pages it sent after the progress
    // may come again, so the primary key is built first.
    expect(await store.claimSnapshotTable(jobId, 'w1', 60_000)).toEqual({
      table: { schema, table: 'items' },
      progress,
    });
    expect(await primaryKeys(context, schema)).toEqual([{ table: 'items', key: '{id}' }]);
  });

  it('never hands one table to two workers claiming at once', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    const names = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await store.registerTables(
      jobId,
      names.map((name) => sourceTable(schema, name, { indexes: [] })),
    );
    const claims = await Promise.all(
      Array.from({ length: 16 }, (_, i) => store.claimSnapshotTable(jobId, `w${i}`, 60_000)),
    );
    const claimed = claims.flatMap((claim) => (claim === undefined ? [] : [claim.table.table]));
    expect(claimed.sort()).toEqual(names);
    expect(claims.filter((claim) => claim === undefined)).toHaveLength(4);
  });

  it('hands a table over when its lease expires, and refuses the old worker', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    const table = { schema, table: 'items' };
    await store.registerTables(jobId, [sourceTable(schema, 'items')]);
    expect(await store.claimSnapshotTable(jobId, 'w1', 400)).toBeDefined();
    await store.saveSnapshotProgress(jobId, 'w1', table, {
      afterKey: { id: 7 },
      rows: 7,
      done: false,
    });
    // The lease is live: nothing for another worker.
    expect(await store.claimSnapshotTable(jobId, 'w2', 400)).toBeUndefined();

    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await indexNames(context, schema)).toEqual([]);
    expect(await store.claimSnapshotTable(jobId, 'w2', 60_000)).toEqual({
      table,
      progress: { afterKey: { id: 7 }, rows: 7, done: false },
    });
    // w1 may have sent pages past its progress: they must meet the key when w2 sends them again.
    expect(await primaryKeys(context, schema)).toEqual([{ table: 'items', key: '{id}' }]);
    const late = { afterKey: { id: 9 }, rows: 9, done: false };
    await expect(store.saveSnapshotProgress(jobId, 'w1', table, late)).rejects.toMatchObject({
      name: 'ReplicatorError',
      code: 'REPL_JOB_LEASE_LOST',
      details: { holder: 'w2' },
    });
    await expect(
      store.saveSnapshotProgress(jobId, 'w1', table, { ...late, done: true }),
    ).rejects.toMatchObject({ code: 'REPL_JOB_LEASE_LOST' });
    await store.saveSnapshotProgress(jobId, 'w2', table, late);
    expect(await store.listJobTables(jobId)).toMatchObject([{ phase: 'snapshot', rowsCopied: 9 }]);
  });

  it('creates the indexes and ends the snapshot when progress is done', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    const table = { schema, table: 'items' };
    await store.registerTables(jobId, [sourceTable(schema, 'items')]);
    await store.claimSnapshotTable(jobId, 'w1', 60_000);
    expect(await indexNames(context, schema)).toEqual([]);

    const done = { afterKey: { id: 100 }, rows: 100, done: true };
    await store.saveSnapshotProgress(jobId, 'w1', table, done);
    expect(await indexNames(context, schema)).toEqual(['items_label_idx', 'items_pkey']);
    expect(await store.listJobTables(jobId)).toMatchObject([
      { phase: 'snapshot_done', rowsCopied: 100 },
    ]);
    expect(await store.claimSnapshotTable(jobId, 'w1', 60_000)).toBeUndefined();
    // A repeated final save (its reply was lost) is harmless; a progress save after it is not.
    await store.saveSnapshotProgress(jobId, 'w1', table, done);
    await expect(
      store.saveSnapshotProgress(jobId, 'w1', table, { ...done, done: false }),
    ).rejects.toMatchObject({ code: 'REPL_JOB_LEASE_LOST', details: { phase: 'snapshot_done' } });
  });

  it('registers schema-only tables as done, with their indexes', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    await store.registerTables(jobId, [
      sourceTable(schema, 'audit', { schemaOnly: true }),
      sourceTable(schema, 'items'),
    ]);
    expect(await store.listJobTables(jobId)).toMatchObject([
      { table: 'audit', phase: 'snapshot_done', rowsCopied: 0 },
      { table: 'items', phase: 'pending' },
    ]);
    expect(await indexNames(context, schema)).toEqual(['audit_label_idx', 'audit_pkey']);
    expect(await store.claimSnapshotTable(jobId, 'w1', 60_000)).toMatchObject({
      table: { table: 'items' },
    });
    expect(await store.claimSnapshotTable(jobId, 'w2', 60_000)).toBeUndefined();
  });

  it('round-trips checkpoints exactly, for every position kind', async () => {
    const { jobId } = freshNames();
    const store = context.store();
    expect(await store.loadCheckpoint(jobId, 'x1')).toBeUndefined();
    const positions: SourcePosition[] = [
      { kind: 'postgres', lsn: 'FFFFFFFF/ABCDEF01', txIndex: 123456 },
      {
        kind: 'mysql',
        gtidSet: '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-77',
        file: 'mysql-bin.1000001',
        pos: 4,
        eventIndex: 2,
      },
      {
        kind: 'mongodb',
        resumeToken: { _data: '8263A1B2C3000000012B022C0100296E5A1004' },
        clusterTime: '18446744073709551615',
      },
      { kind: 'sqlite', sequence: '9223372036854775807' },
    ];
    for (const [index, position] of positions.entries()) {
      const checkpoint: ExtractorCheckpoint = {
        start: positions[0] ?? position,
        stream: position,
        snapshotDone: index % 2 === 1,
      };
      await store.saveCheckpoint(jobId, 'x1', checkpoint);
      const loaded = await store.loadCheckpoint(jobId, 'x1');
      expect(loaded).toStrictEqual(checkpoint);
      expect(JSON.stringify(loaded)).toBe(JSON.stringify(checkpoint));
      expect(Object.isFrozen(loaded?.stream)).toBe(true);
    }
    expect(await store.loadCheckpoint(jobId, 'x2')).toBeUndefined();
  });

  it('starts a snapshot over: the target table emptied, progress reset, claimable again', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    // The index has no IF NOT EXISTS: finishing the second snapshot must keep the first's.
    const table = sourceTable(schema, 'items', {
      indexes: [`CREATE INDEX "items_amount_idx" ON "${schema}"."items" (amount)`],
    });
    await store.registerTables(jobId, [table]);
    const claim = await store.claimSnapshotTable(jobId, 'w1', 60_000);
    expect(claim?.table).toEqual(table.id);
    await context.target(`INSERT INTO "${schema}"."items" VALUES (1, 'a', 1), (2, 'b', 2)`);
    await store.saveSnapshotProgress(jobId, 'w1', table.id, {
      afterKey: { id: 2 },
      rows: 2,
      done: true,
    });
    await store.setTablePhase(jobId, table.id, 'streaming');

    await store.restartSnapshot(jobId, [table.id]);
    const { rows } = await context.target(`SELECT count(*)::int AS n FROM "${schema}"."items"`);
    expect(rows).toEqual([{ n: 0 }]);
    expect(await store.listJobTables(jobId)).toMatchObject([
      { table: 'items', phase: 'pending', rowsCopied: 0 },
    ]);
    const again = await store.claimSnapshotTable(jobId, 'w2', 60_000);
    expect(again).toEqual({ table: table.id, progress: { afterKey: null, rows: 0, done: false } });
    await store.saveSnapshotProgress(jobId, 'w2', table.id, {
      afterKey: { id: 2 },
      rows: 2,
      done: true,
    });
    expect(await indexNames(context, schema)).toEqual(['items_amount_idx', 'items_pkey']);
    await expect(store.restartSnapshot(jobId, [{ schema, table: 'nope' }])).rejects.toMatchObject({
      code: 'REPL_JOB_TABLE_UNKNOWN',
    });
  });

  it("returns the job's incarnation: the same while its state lives, distinct per job", async () => {
    const store = context.store();
    const first = freshNames().jobId;
    const incarnation = await store.registerJob(first, { kind: 'postgres', name: 'shop' });
    expect(incarnation).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.registerJob(first, { kind: 'postgres', name: 'renamed' })).toBe(incarnation);
    const second = freshNames().jobId;
    expect(await store.registerJob(second, { kind: 'mysql', name: 'shop' })).not.toBe(incarnation);
  });

  it('sets phases and errors, and reports unknown tables and jobs', async () => {
    const { jobId, schema } = freshNames();
    const store = context.store();
    await store.registerJob(jobId, { kind: 'postgres', name: 'shop' });
    await store.registerTables(jobId, [
      sourceTable(schema, 'a', { indexes: [] }),
      sourceTable(schema, 'b', { indexes: [], estimatedRows: 50 }),
    ]);
    await store.setTablePhase(jobId, { schema, table: 'a' }, 'streaming');
    await store.setTablePhase(jobId, { schema, table: 'b' }, 'failed', 'value out of range');
    expect(await store.listJobTables(jobId)).toMatchObject([
      { table: 'a', phase: 'streaming', lastError: null },
      { table: 'b', phase: 'failed', lastError: 'value out of range' },
    ]);
    expect(await store.failedTables(jobId)).toEqual([{ schema, table: 'b' }]);
    // Neither streaming nor failed tables are claimable.
    expect(await store.claimSnapshotTable(jobId, 'w1', 60_000)).toBeUndefined();
    await expect(
      store.setTablePhase(jobId, { schema, table: 'nope' }, 'streaming'),
    ).rejects.toMatchObject({ code: 'REPL_JOB_TABLE_UNKNOWN' });
    await expect(
      store.saveSnapshotProgress(
        jobId,
        'w1',
        { schema, table: 'nope' },
        { afterKey: null, rows: 0, done: false },
      ),
    ).rejects.toMatchObject({ code: 'REPL_JOB_TABLE_UNKNOWN' });

    const summary = (await store.listJobs()).find((job) => job.jobId === jobId);
    expect(summary).toMatchObject({
      sourceKind: 'postgres',
      sourceName: 'shop',
      tables: { pending: 0, snapshot: 0, snapshot_done: 0, streaming: 1, failed: 1 },
      rowsCopied: 0,
      estimatedRows: 150,
    });
    expect(summary?.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await store.listJobTables('job_that_does_not_exist')).toBeUndefined();
  });
}
