/**
 * Shared pieces of the PostgreSQL source suites: table plans, a table of every common type with
 * edge values, target tables created from `SourceTable` descriptions, applying events with the
 * real target writer, an independent row-text comparison, and a step reader with timeouts.
 */
import {
  createLogger,
  quoteIdent,
  quoteTable,
  Secret,
  type ChangeEvent,
  type ChangeRow,
  type SourcePosition,
  type TablePlan,
} from '@database-replicator/core';
import type { ChangeSource, SourceTable, SourceTransaction } from '@database-replicator/pipeline';
import {
  applyChangeBatch,
  connectPostgres,
  TargetTableShapeCache,
  type PostgresClient,
} from '@database-replicator/postgres';

export const silentLogger = createLogger({ level: 'silent' });

/** A plan entry for `public.<table>`. */
export function planFor(table: string, extra: Partial<TablePlan> = {}): TablePlan {
  return {
    id: { schema: 'public', table },
    schemaOnly: false,
    rowFilters: [],
    timeFilters: [],
    ...extra,
  };
}

export const TYPED_TYPES_SQL = `CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy')`;

export const TYPED_TABLE_SQL = `
CREATE TABLE public.typed (
  id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, num numeric, num_fixed numeric(30,10),
  f4 float4, f8 float8, flag bool, txt text, vc varchar(20), ch char(5), raw bytea, j json,
  jb jsonb, uid uuid, d date, ts timestamp(6), tstz timestamptz, iv interval, ints int4[],
  texts text[], raws bytea[], m public.mood, moods public.mood[], span tstzrange, addr inet,
  bits bit varying(8)
)`;

/** Rows of `public.typed` with the edges of each type; `id` offsets the ids. */
export function typedRowsSql(id: number): string {
  return `
INSERT INTO public.typed VALUES
(${id + 1}, -32768, -2147483648, -9223372036854775808,
 -123456789012345678901234567890.123456789012345, -99999999999999999999.9999999999,
 -3.4028235e+38, -1.7976931348623157e+308, false,
 E'tab\\there\\nnewline\\r\\\\ backslash "quote" ''single'' é 中文 😀', 'x', 'ab', '\\x00ff10',
 '{"a":1,"b":[true,null,"x"],"c":{"d":"é"}}', '{"k": {"n": 1.5, "s": "é😀", "z": [1, 2]}}',
 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '0044-03-15 BC', '2024-02-29 23:59:59.999999',
 '2024-02-29 23:59:59.999999+05:30', '1 year 2 mons 3 days 04:05:06.789012',
 '{1,NULL,3}', '{"a,b",NULL,"c\\"d","",NULL,"{}"}', '{"\\\\x00ff",NULL}', 'sad', '{sad,happy}',
 '[2024-01-01 00:00:00+00,2024-02-01 00:00:00+00)', '192.168.0.1/24', '101'),
(${id + 2}, 32767, 2147483647, 9223372036854775807, 'NaN', 99999999999999999999.9999999999,
 'Infinity', 'NaN', true, '', '', '', '\\x', '[]', '{}',
 '00000000-0000-0000-0000-000000000000', 'infinity', 'infinity', '-infinity',
 '-1 days +00:00:00.000001', '{}', '{NULL}', '{}', 'happy', '{}', 'empty', '::1', ''),
(${id + 3}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(${id + 4}, 0, 0, 0, 0.000000000000000000000000001, 0, '-Infinity', '-0', false, 'a',
 'é', 'é', '\\x00', '"s"', '3.25', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '1970-01-01',
 '1970-01-01 00:00:00', '1970-01-01 00:00:00.000001+00', '0', '{{1,2},{3,4}}',
 '{"  spaced  "}', NULL, 'ok', '{NULL,ok}', '(,)', '10.0.0.0/8', '11111111'),
(${id + 5}, 1, 1, 1, 1, 1, 0.1, 5e-324, true, E'\\u0001 control', 'v', 'abcde', '\\xdeadbeef',
 '{"n":-0.5,"e":1e-7}', '{"big": 9007199254740991}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12',
 '2000-01-01', '2000-01-01 12:00:00.5', '2000-01-01 12:00:00.5-08', '00:00:00.000001',
 '{-2147483648,2147483647}', '{é,"a\\\\b"}', '{"\\\\x"}', NULL, NULL, '[,2024-01-01)',
 '2001:db8::/32', '0')`;
}

/** Creates `table` on the target as described: columns, NOT NULL, primary key, indexes. */
export async function createTargetTable(target: PostgresClient, table: SourceTable): Promise<void> {
  const columns = table.columns.map(
    (column) => `${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}`,
  );
  const key = `PRIMARY KEY (${table.keyColumns.map(quoteIdent).join(', ')})`;
  await target.query(`CREATE TABLE ${quoteTable(table.id)} (${[...columns, key].join(', ')})`);
  for (const index of table.indexes) await target.query(index);
}

/** A snapshot row as the event the extractor sends for it. */
export function snapshotEvent(table: SourceTable, row: ChangeRow, at: SourcePosition): ChangeEvent {
  return {
    op: 'r',
    before: null,
    after: row,
    ts_ms: Date.now(),
    source: {
      connector: 'postgresql',
      name: 'src',
      db: 'app',
      schema: table.id.schema,
      table: table.id.table,
      snapshot: 'true',
      position: at,
      ts_ms: Date.now(),
    },
  };
}

/** Applies events of one table with the real writer, each at the next offset of its topic. */
export class TargetApplier {
  readonly #client: PostgresClient;
  readonly #shapes = new TargetTableShapeCache();
  readonly #offsets = new Map<string, number>();

  constructor(client: PostgresClient) {
    this.#client = client;
  }

  async apply(table: SourceTable, events: readonly ChangeEvent[]): Promise<void> {
    const topic = `src.${table.id.schema}.${table.id.table}`;
    let offset = this.#offsets.get(topic) ?? 0;
    const batch = events.map((event) => ({ event, topic, partition: 0, offset: String(offset++) }));
    this.#offsets.set(topic, offset);
    await applyChangeBatch(
      this.#client,
      { consumerGroup: 'test', table: table.id, keyColumns: table.keyColumns, events: batch },
      { shapes: this.#shapes },
    );
  }
}

/**
 * Every row of `table` as its text form, in order, read with fixed session settings (UTC, ISO
 * dates, hex bytea, shortest exact floats): an independent comparison of two databases.
 */
export async function tableText(url: string, table: string): Promise<string[]> {
  const client = await connectPostgres(new Secret(url));
  try {
    const { rows } = await client.query<{ r: string }>(
      `SELECT t::text AS r FROM ${quoteTable({ schema: 'public', table })} t ORDER BY 1`,
    );
    return rows.map((row) => row.r);
  } finally {
    await client.close();
  }
}

/** Reads the stream of a source one step at a time, failing a test that waits too long. */
export class StepReader {
  readonly #abort = new AbortController();
  readonly #iterator: AsyncIterator<SourceTransaction>;
  #pending: Promise<IteratorResult<SourceTransaction>> | undefined;

  constructor(source: ChangeSource, from: SourcePosition) {
    this.#iterator = source.streamChanges(from, this.#abort.signal)[Symbol.asyncIterator]();
  }

  /** The next step, or `undefined` when none arrives within `timeoutMs` (it stays pending). */
  async next(timeoutMs: number): Promise<SourceTransaction | undefined> {
    this.#pending ??= this.#iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.#pending, timeout]).finally(() => clearTimeout(timer));
    if (result === 'timeout') return undefined;
    this.#pending = undefined;
    if (result.done === true) throw new Error('the stream ended');
    return result.value;
  }

  /** Steps until `done(steps)` holds; throws after `timeoutMs`. */
  async until(
    done: (steps: readonly SourceTransaction[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<SourceTransaction[]> {
    const steps: SourceTransaction[] = [];
    const deadline = Date.now() + timeoutMs;
    while (!done(steps)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`stream steps did not arrive in ${timeoutMs} ms (${steps.length} so far)`);
      }
      const step = await this.next(left);
      if (step !== undefined) steps.push(step);
    }
    return steps;
  }

  /**
   * Aborts the stream and waits for it to end. A pending `next()` would hold `return()` back
   * until a step arrives, so the abort signal ends the stream first.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#pending?.catch(() => undefined);
    await this.#iterator.return?.();
  }
}

/** Events of the steps, in order. */
export function eventsOf(steps: readonly SourceTransaction[]): ChangeEvent[] {
  return steps.flatMap((step) => [...step.events]);
}

/** Steps that end a transaction with changes. */
export function committed(steps: readonly SourceTransaction[]): SourceTransaction[] {
  return steps.filter((step) => step.resumeFrom !== null && step.events.length > 0);
}
