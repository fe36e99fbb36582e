/**
 * The COPY snapshot (`readSnapshotCopy`) against its definition, for every mapped type: each
 * field must be exactly what the loader writes for the JSON snapshot row (`toPostgresText` then
 * `copyTextField` of libs/postgres), each key exactly the JSON row's key. Read as the extractor
 * reads it (one page per call, in changing sizes, resumed after the key handed out or a restored
 * copy of it), by a trigger-mode source and by a refresh-mode one (which records each page).
 * The rows are seeded random values of every storage class each kind accepts, with the edge
 * values among them (NULL, empty text, backslash, tab, newline, carriage return, 4-byte
 * characters, empty and binary blobs, int64 limits, 2^53 + 1, infinities, -0, timestamps in every
 * accepted form, Unix seconds, Julian days), in a table with a declared key, a rowid-keyed one
 * and a composite text key.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, isReplicatorError, type ChangeKey } from '@database-replicator/core';
import type { ChangeSource, CopySnapshotPage, SourceTable } from '@database-replicator/pipeline';
import { copyTextField, toPostgresText } from '@database-replicator/postgres';
import { createSqliteSource } from '@database-replicator/source-sqlite';
import { describeWithServices } from '../../support/describe-with-services.js';
import { seededRandom } from '../../support/seeded-random.js';
import { tempDir, type TempDir } from './sqlite-harness.js';

const ROWS = 3000;
/** Page sizes asked for in turn, as the extractor's adaptive page size changes them. */
const PAGE_SIZES = [100, 7, 2000, 1, 333, 2000];

const TABLES = `
  CREATE TABLE typed (
    id INTEGER PRIMARY KEY, i INT, big BIGINT, r REAL, d DOUBLE, n NUMERIC(24,4), nn NUMERIC,
    flag BOOLEAN, day DATE, ts DATETIME, tstamp TIMESTAMP, t TEXT, vc VARCHAR(10), bin BLOB,
    untyped, js JSON);
  CREATE TABLE keyless (a TEXT, b REAL, c BLOB);
  CREATE TABLE pairs (k TEXT, n INTEGER, v TEXT, PRIMARY KEY (k, n)) WITHOUT ROWID;`;

type Value = null | bigint | number | string | Buffer;

/** Values for each column of `typed`, every one valid for its kind (docs/type-mapping.md). */
function valueMakers(next: () => number): Record<string, () => Value> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const digits = (count: number): string =>
    Array.from({ length: count }, () => String(Math.floor(next() * 10))).join('');
  const int64 = (): bigint =>
    pick([
      -(2n ** 63n),
      2n ** 63n - 1n,
      0n,
      BigInt(Math.floor(next() * 1000) - 500),
      BigInt.asIntN(64, BigInt(`0x${Math.floor(next() * 2 ** 32).toString(16)}${digits(6)}`)),
      2n ** 53n + 1n,
    ]);
  const real = (): number =>
    pick([
      (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20),
      Math.round(next() * 1e8) / 100,
      Math.floor(next() * 1e6),
      0.1 + 0.2,
      -0,
      1e21,
      1e-7,
      5e-324,
      Number.MAX_VALUE,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
  const text = (): string => {
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '\\',
      '\t',
      '\n',
      '\r',
      '"',
      "'",
      'é',
      '🌍',
      '𝄞',
      '\u2028',
      '\ufeff',
      ',',
    ];
    return Array.from({ length: Math.floor(next() * 12) }, () => pick(alphabet)).join('');
  };
  const date = (): string =>
    `${String(1 + Math.floor(next() * 9999)).padStart(4, '0')}-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`;
  const time = (): string =>
    `${String(Math.floor(next() * 24)).padStart(2, '0')}:${String(Math.floor(next() * 60)).padStart(2, '0')}`;
  const timestamp = (): Value =>
    pick([
      `${date()} ${time()}:${digits(2).replace(/^[6-9]/, '5')}.${digits(1 + Math.floor(next() * 9))}`,
      `${date()}T${time()}:0${digits(1)}`,
      `${date()} ${time()}`,
      date(),
      `${date()}T${time()}:00Z`,
      `${date()} ${time()}:00.5+02:00`,
      `${date()}T${time()}-0530`,
      ` ${date()} ${time()}:00 +01 `,
      `${date()} ${time()}:00z`,
      BigInt(Math.floor((next() - 0.5) * 2e10)),
      2440587.5 + (next() - 0.5) * 1e6,
    ]);
  return {
    i: () => pick<Value>([null, int64(), int64(), String(int64()), 7.0]),
    big: () => pick<Value>([int64(), int64(), null]),
    r: () =>
      pick<Value>([
        real(),
        real(),
        null,
        'NaN',
        '-Infinity',
        'inf',
        BigInt(Math.floor(next() * 100)),
      ]),
    d: () => pick<Value>([real(), null, `${Math.round(next() * 1e6) / 1e3}`]),
    n: () => pick<Value>([real(), int64(), null, `0.${digits(3)}`, `-${digits(20)}`]),
    nn: () => pick<Value>([real(), int64(), null, '1e-5']),
    flag: () =>
      pick<Value>([0n, 1n, -5n, 0, 2.5, null, 'true', 'FALSE', ' Yes ', 'off', 't', 'N', '1', '0']),
    day: () => pick<Value>([date(), null]),
    ts: timestamp,
    tstamp: () => pick<Value>([timestamp(), null]),
    t: () => pick<Value>([text(), text(), '', null, int64(), real()]),
    vc: () => pick<Value>([text(), '']),
    bin: () =>
      pick<Value>([
        Buffer.from(
          Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)),
        ),
        Buffer.alloc(0),
        text(),
        null,
      ]),
    untyped: () => pick<Value>([int64(), real(), text(), null]),
    js: () => pick<Value>(['{"a":[1,2]}', 'null', '', '42', '1.50', text(), null]),
  };
}

function fill(file: string, seed: number): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(TABLES);
    const next = seededRandom(seed);
    const makers = Object.entries(valueMakers(next));
    const insert = db.prepare(
      `INSERT INTO typed (id, ${makers.map(([name]) => name).join(', ')}) VALUES (?, ${makers.map(() => '?').join(', ')})`,
    );
    const keyless = db.prepare('INSERT INTO keyless (a, b, c) VALUES (?, ?, ?)');
    const pairs = db.prepare('INSERT OR IGNORE INTO pairs (k, n, v) VALUES (?, ?, ?)');
    const text = valueMakers(next)['t'] ?? (() => '');
    db.transaction(() => {
      for (let row = 1; row <= ROWS; row += 1) {
        insert.run(BigInt(row * 3 - 2), ...makers.map(([, make]) => make()));
        keyless.run(text(), next() * 1e6, next() < 0.5 ? null : Buffer.from([row % 256]));
        const key = String(text() ?? '');
        pairs.run(key, BigInt(Math.floor(next() * 5)), text());
      }
      // Gaps in the rowid, as deletes leave them.
      db.exec('DELETE FROM keyless WHERE rowid % 7 = 0');
    })();
  } finally {
    db.close();
  }
}

/** The loader's COPY text of the JSON snapshot, with the rows' keys. */
async function expectedCopy(
  source: ChangeSource,
  table: SourceTable,
): Promise<{ copy: string; keys: ChangeKey[] }> {
  let copy = '';
  const keys: ChangeKey[] = [];
  for await (const page of source.readSnapshot(table, null, { pageRows: 1000 })) {
    for (const row of page) {
      const fields = table.columns.map((column) =>
        copyTextField(
          toPostgresText(row[column.name] ?? null, column.type === 'bytea' ? 'bytea' : 'scalar'),
        ),
      );
      copy += `${fields.join('\t')}\n`;
      keys.push(Object.fromEntries(table.keyColumns.map((name) => [name, row[name] ?? null])));
    }
  }
  return { copy, keys };
}

/**
 * Reads as the extractor does: one page per call, the next call after the last key handed out
 * (as a restored checkpoint when `restore`), page sizes from PAGE_SIZES in turn.
 */
async function pageByPage(
  source: ChangeSource,
  table: SourceTable,
  after: ChangeKey | null,
  restore: boolean,
): Promise<{ copy: string; keys: ChangeKey[]; pages: number }> {
  let copy = '';
  const keys: ChangeKey[] = [];
  let from = after;
  for (let call = 0; ; call += 1) {
    const pageRows = PAGE_SIZES[call % PAGE_SIZES.length] ?? 1;
    const page = await firstPage(copyPages(source, table, from, pageRows));
    if (page === undefined) return { copy, keys, pages: call };
    expect(page.keys.length).toBeLessThanOrEqual(pageRows);
    expect(page.copy.split('\n').length - 1).toBe(page.keys.length);
    copy += page.copy;
    keys.push(...page.keys);
    const last = page.keys.at(-1) ?? null;
    from = restore && last !== null ? parseKey(JSON.stringify(last)) : last;
    if (page.keys.length < pageRows) return { copy, keys, pages: call + 1 };
  }
}

function copyPages(
  source: ChangeSource,
  table: SourceTable,
  after: ChangeKey | null,
  pageRows: number,
): AsyncIterable<CopySnapshotPage> {
  if (source.readSnapshotCopy === undefined) throw new Error('the source has no COPY snapshot');
  return source.readSnapshotCopy(table, after, { pageRows });
}

async function firstPage<T>(pages: AsyncIterable<T>): Promise<T | undefined> {
  for await (const page of pages) return page;
  return undefined;
}

function parseKey(text: string): ChangeKey {
  const parsed: unknown = JSON.parse(text);
  if (!isKey(parsed)) throw new Error(`not a key: ${text}`);
  return parsed;
}

function isKey(value: unknown): value is ChangeKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => item === null || typeof item !== 'object')
  );
}

describeWithServices([], 'SQLite source: COPY snapshot', () => {
  let dir: TempDir;
  let file: string;

  beforeAll(() => {
    dir = tempDir('dr-sqlite-copy');
    file = dir.file('copy.sqlite');
    fill(file, 20261130);
  });

  afterAll(() => dir.cleanup());

  const open = (capture: 'triggers' | 'refresh'): ChangeSource =>
    createSqliteSource({
      url: file,
      name: 'copy',
      capture,
      refreshStateDir: dir.file(`refresh-${capture}`),
      logger: createLogger({ level: 'silent' }),
    });

  it('gives the loader text of the JSON rows for every type, page by page, in both modes', async () => {
    const triggers = open('triggers');
    const refresh = open('refresh');
    try {
      const tables = await triggers.describeTables();
      expect(tables.map((table) => table.id.table)).toEqual(['keyless', 'pairs', 'typed']);
      expect(tables.find((table) => table.id.table === 'keyless')?.keyColumns).toEqual(['_rowid']);
      await refresh.startPosition();
      const refreshTables = await refresh.describeTables();
      for (const [index, table] of tables.entries()) {
        const expected = await expectedCopy(triggers, table);
        expect(expected.keys.length, table.id.table).toBeGreaterThan(ROWS / 3);
        // Resumed after the very key handed out, then after restored copies of it.
        for (const restore of [false, true]) {
          const read = await pageByPage(triggers, table, null, restore);
          expect(read.copy, table.id.table).toBe(expected.copy);
          expect(read.keys, table.id.table).toEqual(expected.keys);
          expect(read.pages, table.id.table).toBeGreaterThanOrEqual(3);
        }
        const refreshTable = refreshTables[index];
        if (refreshTable === undefined) throw new Error('tables differ');
        const recorded = await pageByPage(refresh, refreshTable, null, false);
        expect(recorded.copy, table.id.table).toBe(expected.copy);
        expect(recorded.keys, table.id.table).toEqual(expected.keys);
      }
    } finally {
      await triggers.close();
      await refresh.close();
    }
  });

  it('resumes after any stored key, also after reading elsewhere in the table', async () => {
    const source = open('triggers');
    try {
      for (const table of await source.describeTables()) {
        const whole = await expectedCopy(source, table);
        const lines = whole.copy.split('\n');
        for (const at of [0, 1, 999, whole.keys.length - 1]) {
          const after = parseKey(JSON.stringify(whole.keys[at]));
          const read = await pageByPage(source, table, after, false);
          expect(read.keys, `${table.id.table} after row ${at}`).toEqual(whole.keys.slice(at + 1));
          expect(read.copy).toBe(lines.slice(at + 1).join('\n'));
        }
        // A read left after its first page, then a read from elsewhere: it starts there.
        await firstPage(copyPages(source, table, null, 10));
        const from = parseKey(JSON.stringify(whole.keys[500]));
        expect((await pageByPage(source, table, from, false)).keys).toEqual(whole.keys.slice(501));
      }
    } finally {
      await source.close();
    }
  });

  it('hands out the pages before a value the column cannot hold, then its coded error', async () => {
    const db = new Database(file);
    db.exec(`CREATE TABLE bad_text (id INTEGER PRIMARY KEY, t TEXT);
      WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 50)
        INSERT INTO bad_text (id, t) SELECT v, 'row ' || v FROM n;
      UPDATE bad_text SET t = 'a' || char(0) || 'b' WHERE id = 37;`);
    db.close();
    const source = open('triggers');
    try {
      const table = (await source.describeTables()).find((t) => t.id.table === 'bad_text');
      if (table === undefined || source.readSnapshotCopy === undefined) throw new Error('no table');
      const jsonError = await failure(source.readSnapshot(table, null, { pageRows: 10 }));
      const keys: ChangeKey[] = [];
      const copyError = await failure(
        source.readSnapshotCopy(table, null, { pageRows: 10 }),
        (page) => keys.push(...page.keys),
      );
      expect(keys).toEqual(Array.from({ length: 30 }, (_, index) => ({ id: String(index + 1) })));
      expect(isReplicatorError(copyError, 'REPL_SQLITE_VALUE_INVALID')).toBe(true);
      expect(isReplicatorError(jsonError, 'REPL_SQLITE_VALUE_INVALID')).toBe(true);
      const message = (error: unknown): string => (error instanceof Error ? error.message : '');
      expect(message(copyError)).toBe(message(jsonError));
      expect(message(copyError)).toContain('"bad_text"');
      expect(message(copyError)).toContain('"t"');
    } finally {
      await source.close();
    }
  });

  it('reads while a writer commits in WAL mode: keys ascend, rows it never touches all there', async () => {
    const writer = new Database(file);
    writer.exec(`CREATE TABLE busy (id INTEGER PRIMARY KEY, v TEXT);
      WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 20000)
        INSERT INTO busy (id, v) SELECT v * 2, 'row ' || v FROM n;`);
    const source = open('triggers');
    try {
      const table = (await source.describeTables()).find((t) => t.id.table === 'busy');
      if (table === undefined) throw new Error('no table');
      const write = writer.prepare('INSERT OR REPLACE INTO busy (id, v) VALUES (?, ?)');
      const ids: number[] = [];
      let from: ChangeKey | null = null;
      for (let call = 0; ; call += 1) {
        // Odd keys only: the even ones the snapshot must find are never touched.
        write.run(BigInt(call * 2 + 1), `written before page ${call}`);
        const page: CopySnapshotPage | undefined = await firstPage(
          copyPages(source, table, from, 500),
        );
        if (page === undefined) break;
        ids.push(...page.keys.map((key) => Number(key['id'])));
        from = page.keys.at(-1) ?? null;
        if (page.keys.length < 500) break;
      }
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const even = ids.filter((id) => id % 2 === 0);
      expect(even).toEqual(Array.from({ length: 20000 }, (_, index) => (index + 1) * 2));
    } finally {
      writer.close();
      await source.close();
    }
  });
});

/** The error a read ends with (`undefined` if none), each page handed to `onPage` first. */
async function failure<T>(pages: AsyncIterable<T>, onPage?: (page: T) => void): Promise<unknown> {
  try {
    for await (const page of pages) onPage?.(page);
  } catch (error) {
    return error;
  }
  return undefined;
}
