/**
 * The SQLite source against real files, without a target: the changelog stream (heartbeats,
 * resume without duplicates, pruning, gaps), capture install/remove leaving the schema as it was,
 * snapshot resume from a stored key, and stream values equal to snapshot values for the same
 * rows. Needs no server, so it is a plain `describe`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  isReplicatorError,
  type ChangeEvent,
  type ChangeRow,
  type SourcePosition,
} from '@database-replicator/core';
import type { SourceTable } from '@database-replicator/pipeline';
import {
  createSqliteSource,
  installCapture,
  removeCapture,
  type SqliteChangeSource,
} from '@database-replicator/source-sqlite';
import { sequence, streamUntil, tempDir, type TempDir } from './sqlite-harness.js';

const LOGGER = createLogger({ level: 'silent' });

describe('SQLite source: changelog and snapshot on real files', () => {
  let dir: TempDir;
  let file: string;
  let db: Database.Database;
  let source: SqliteChangeSource;

  beforeEach(() => {
    dir = tempDir('dr-sqlite-changelog');
    file = dir.file('source.sqlite3');
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, qty BIGINT, data BLOB);
      CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
      CREATE TABLE notes (body TEXT);
      CREATE INDEX items_name ON items (name);
      CREATE VIEW cheap AS SELECT * FROM items WHERE price < 1;
      CREATE TRIGGER app_own AFTER INSERT ON notes BEGIN SELECT 1; END;`);
    source = open();
  });

  afterEach(async () => {
    await source.close();
    db.close();
    dir.cleanup();
  });

  function open(
    options: { maxBatchRows?: number; heartbeatIntervalMs?: number } = {},
  ): SqliteChangeSource {
    return createSqliteSource({
      url: file,
      name: 'app',
      logger: LOGGER,
      pollIntervalMs: 10,
      ...options,
    });
  }

  function newest(): bigint {
    return BigInt(String(db.prepare('SELECT max(seq) FROM _dr_changelog').pluck().get()));
  }

  function insertItems(count: number, from = 1): void {
    const insert = db.prepare(
      'INSERT INTO items (id, name, price, qty, data) VALUES (?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (let id = from; id < from + count; id += 1) {
        insert.run(
          id,
          `item ${id}`,
          id / 3,
          BigInt(id) * 3_000_000_000_000n,
          Buffer.from([id % 256]),
        );
      }
    })();
  }

  it('yields heartbeats at the same position while idle', async () => {
    await source.close();
    source = open({ heartbeatIntervalMs: 30 });
    const start = await source.startPosition();
    const run = await streamUntil(source, undefined, start, 2n ** 62n, {
      timeoutMs: 300,
      acknowledge: false,
    });
    expect(run.events).toEqual([]);
    expect(run.heartbeats).toBeGreaterThanOrEqual(3);
    expect(run.position).toEqual(start);
  });

  it('resumes from a checkpointed position without yielding anything twice', async () => {
    await source.close();
    source = open({ maxBatchRows: 7 });
    const start = await source.startPosition();
    insertItems(40);
    db.exec(
      "UPDATE items SET name = name || '!' WHERE id % 3 = 0; DELETE FROM items WHERE id % 4 = 0;",
    );
    db.exec(
      "INSERT INTO pairs VALUES ('x', 1, 'one'), ('x', 2, 'two'); INSERT INTO notes VALUES ('n');",
    );
    const end = newest();

    // A first run stops after three steps, at the checkpoint of its last step.
    const firstEvents: ChangeEvent[] = [];
    let checkpoint: SourcePosition = start;
    let steps = 0;
    for await (const step of source.streamChanges(start, new AbortController().signal)) {
      firstEvents.push(...step.events);
      if (step.resumeFrom !== null) checkpoint = step.resumeFrom;
      steps += 1;
      if (steps === 3) break;
    }
    expect(firstEvents).toHaveLength(21);
    const second = await streamUntil(source, undefined, checkpoint, end, {
      timeoutMs: 5000,
      acknowledge: false,
    });
    const resumed = [...firstEvents, ...second.events].map((event) =>
      sequence(event.source.position),
    );
    const expected = Array.from(
      { length: Number(end - sequence(start)) },
      (_, i) => sequence(start) + BigInt(i + 1),
    );
    expect(resumed).toEqual(expected);

    // The same changes read in one go, as a comparison.
    const whole = await streamUntil(source, undefined, start, end, {
      timeoutMs: 5000,
      acknowledge: false,
    });
    expect(stripTimes([...firstEvents, ...second.events])).toEqual(stripTimes(whole.events));
    expect(whole.events.filter((event) => event.op === 'd')).toHaveLength(10);
    expect(whole.events.find((event) => event.source.table === 'notes')?.after).toEqual({
      _rowid: '1',
      body: 'n',
    });
  });

  it('prunes what was acknowledged, keeps the newest row, and refuses to stream over a pruned gap', async () => {
    const start = await source.startPosition();
    insertItems(30);
    const middle = sequence(start) + 10n;
    await source.acknowledge({ kind: 'sqlite', sequence: middle.toString() });
    const count = (sql: string, value: bigint): number =>
      Number(db.prepare(sql).pluck().get(value));
    expect(count('SELECT count(*) FROM _dr_changelog WHERE seq <= ?', middle)).toBe(0);
    expect(count('SELECT count(*) FROM _dr_changelog WHERE seq > ?', middle)).toBe(20);

    const resumed = await streamUntil(
      source,
      undefined,
      { kind: 'sqlite', sequence: middle.toString() },
      newest(),
      {
        timeoutMs: 5000,
        acknowledge: false,
      },
    );
    expect(resumed.events).toHaveLength(20);
    await expect(
      streamUntil(source, undefined, start, newest(), { timeoutMs: 5000, acknowledge: false }),
    ).rejects.toSatisfy((error: unknown) => isReplicatorError(error, 'REPL_SQLITE_CHANGELOG_GAP'));

    await source.acknowledge({ kind: 'sqlite', sequence: newest().toString() });
    expect(db.prepare('SELECT count(*) FROM _dr_changelog').pluck().get()).toBe(1);
    insertItems(1, 100);
    expect(newest()).toBe(sequence(start) + 31n);
  });

  it('removing capture restores the schema exactly; a reinstall never continues an old position', async () => {
    const before = schemaOf(db);
    const start = await source.startPosition();
    expect(installCapture(file)).toEqual({ tables: 3, triggers: 9 });
    insertItems(5);
    const dataBefore = db.prepare('SELECT * FROM items ORDER BY id').all();
    expect(removeCapture(file)).toEqual({ tables: 3, triggers: 9 });
    expect(schemaOf(db)).toEqual(before);
    expect(db.prepare('SELECT * FROM items ORDER BY id').all()).toEqual(dataBefore);

    await expect(
      streamUntil(source, undefined, start, 2n ** 62n, { timeoutMs: 2000, acknowledge: false }),
    ).rejects.toSatisfy((error: unknown) =>
      isReplicatorError(error, 'REPL_SQLITE_CAPTURE_MISSING'),
    );
    expect(installCapture(file, ['items'])).toEqual({ tables: 1, triggers: 3 });
    insertItems(5, 10);
    await expect(
      streamUntil(source, undefined, start, 2n ** 62n, { timeoutMs: 2000, acknowledge: false }),
    ).rejects.toSatisfy((error: unknown) => isReplicatorError(error, 'REPL_SQLITE_CHANGELOG_GAP'));
    removeCapture(file);
    expect(schemaOf(db)).toEqual(before);
  });

  it('reads rows of a layout before and after a re-install that widened the changelog, by name', async () => {
    const start = await source.startPosition();
    db.exec("INSERT INTO notes VALUES ('before')");
    const until = sequence(start) + 2n;
    const running = streamUntil(source, undefined, start, until, {
      timeoutMs: 5000,
      acknowledge: false,
    });
    await sleep(100);
    // Wider than any captured table: the re-install adds value columns and a new layout.
    for (let i = 0; i < 8; i += 1) db.exec(`ALTER TABLE notes ADD COLUMN w${i}`);
    expect(installCapture(file)).toEqual({ tables: 3, triggers: 9 });
    db.exec("INSERT INTO notes (body, w7) VALUES ('after', 'x')");
    expect(newest()).toBe(until);
    const run = await running;
    expect(run.events.map((event) => event.after)).toEqual([
      { _rowid: '1', body: 'before' },
      { _rowid: '2', body: 'after' },
    ]);

    // A job describing notes with its new columns cannot read the row captured without them.
    const current = open();
    try {
      await expect(
        streamUntil(current, undefined, start, until, { timeoutMs: 2000, acknowledge: false }),
      ).rejects.toSatisfy((error: unknown) =>
        isReplicatorError(error, 'REPL_SQLITE_SCHEMA_CHANGED'),
      );
      // Rows captured after the re-install carry every column.
      const after = await streamUntil(
        current,
        undefined,
        { kind: 'sqlite', sequence: (until - 1n).toString() },
        until,
        { timeoutMs: 2000, acknowledge: false },
      );
      expect(after.events[0]?.after).toMatchObject({ body: 'after', w0: null, w7: 'x' });
    } finally {
      await current.close();
    }
  });

  it('refuses to install over a changelog of the older JSON format, changing nothing', () => {
    db.exec(
      'CREATE TABLE _dr_changelog (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, key_json TEXT, row_json TEXT, at INTEGER NOT NULL)',
    );
    const before = schemaOf(db);
    let caught: unknown;
    try {
      installCapture(file);
    } catch (error) {
      caught = error;
    }
    expect(isReplicatorError(caught, 'REPL_SQLITE_CHANGELOG_INVALID')).toBe(true);
    expect(schemaOf(db)).toEqual(before);
  });

  it('streams exactly the values the snapshot reads, REALs over the whole double range included', async () => {
    const values = Array.from({ length: 2000 }, (_, i) => [
      i + 1,
      i % 7 === 0 ? null : `ü${i}\u{1F600}${'x'.repeat(i % 5)}`,
      i % 11 === 0 ? null : (EDGE_REALS[i] ?? randomDouble()),
      [9223372036854775807n, -9223372036854775808n, BigInt(i) ** 5n][i % 3] ?? null,
      i % 13 === 0 ? null : Buffer.from(Array.from({ length: i % 17 }, (_, j) => (i * j) % 256)),
    ]);
    const insert = db.prepare(
      'INSERT INTO items (id, name, price, qty, data) VALUES (?, ?, ?, ?, ?)',
    );
    const start = await source.startPosition();
    db.transaction(() => values.forEach((row) => insert.run(...row)))();
    const streamed = await streamUntil(source, undefined, start, newest(), {
      timeoutMs: 5000,
      acknowledge: false,
    });
    const snapshot = await readAll(source, await table(source, 'items'), null, 64);
    expect(streamed.events.map((event) => event.after)).toEqual(snapshot);
  });

  it('resumes a snapshot after a stored key, for integer, composite and rowid keys', async () => {
    insertItems(25);
    const pairs = db.prepare('INSERT INTO pairs VALUES (?, ?, ?)');
    const notes = db.prepare('INSERT INTO notes VALUES (?)');
    for (let i = 0; i < 25; i += 1) {
      pairs.run(['10', '9', 'b', 'a', ''][i % 5], i, `v${i}`);
      notes.run(`note ${i}`);
    }
    for (const name of ['items', 'pairs', 'notes']) {
      const described = await table(source, name);
      const all = await readAll(source, described, null, 1000);
      expect(all).toHaveLength(25);
      const key = Object.fromEntries(
        described.keyColumns.map((column) => [column, all[9]?.[column] ?? null]),
      );
      expect(await readAll(source, described, key, 4), name).toEqual(all.slice(10));
    }
  });

  it('describes views, triggers and the changelog out, and a keyless table keyed by rowid', async () => {
    await source.startPosition();
    const other = open();
    const tables = await other.describeTables();
    await other.close();
    expect(tables.map((described) => described.id)).toEqual([
      { schema: 'public', table: 'items' },
      { schema: 'public', table: 'notes' },
      { schema: 'public', table: 'pairs' },
    ]);
    const notes = tables.find((described) => described.id.table === 'notes');
    expect(notes?.keyColumns).toEqual(['_rowid']);
    expect(notes?.columns).toEqual([
      { name: '_rowid', type: 'bigint', nullable: false },
      { name: 'body', type: 'text', nullable: true },
    ]);
    expect(tables.find((described) => described.id.table === 'items')?.indexes).toEqual([
      'CREATE INDEX IF NOT EXISTS "items_name" ON "public"."items" ("name")',
    ]);
  });
});

async function table(source: SqliteChangeSource, name: string): Promise<SourceTable> {
  const found = (await source.describeTables()).find((described) => described.id.table === name);
  if (found === undefined) throw new Error(`table ${name} not described`);
  return found;
}

async function readAll(
  source: SqliteChangeSource,
  described: SourceTable,
  after: ChangeRow | null,
  pageRows: number,
): Promise<ChangeRow[]> {
  const rows: ChangeRow[] = [];
  for await (const page of source.readSnapshot(described, after, { pageRows })) {
    expect(page.length).toBeLessThanOrEqual(pageRows);
    rows.push(...page);
  }
  return rows;
}

/** Doubles SQLite's own float-to-text conversions do not round-trip, and the extremes. */
const EDGE_REALS = [
  1e300,
  1e308,
  -1.7976931348623157e308,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  2.225073858507201e-308,
  0.30000000000000004,
  0.1,
  2 ** 53 + 2,
  -(2 ** 63),
  1,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1.1223840335108415e-181,
];

/** A finite double from 64 random bits: every exponent, subnormals included. */
function randomDouble(): number {
  const bytes = Buffer.alloc(8);
  for (;;) {
    for (let i = 0; i < 8; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    const value = bytes.readDoubleLE(0);
    if (Number.isFinite(value)) return value;
  }
}

function stripTimes(events: readonly ChangeEvent[]): unknown[] {
  return events.map((event) => ({ ...event, ts_ms: 0 }));
}

function schemaOf(db: Database.Database): unknown[] {
  return db
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')
    .all();
}
