/**
 * Smoke test for better-sqlite3, the SQLite source driver: native module loads, WAL mode,
 * transactions, streaming reads with an iterator, and 64-bit integers read exactly as bigint.
 * Needs no server, so it is a plain `describe`.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIG = 2n ** 53n + 1n; // 9007199254740993: not representable as a double

interface Row {
  id: bigint;
  name: string;
  big: bigint;
}

const ROWS: Row[] = [
  { id: 1n, name: 'alpha', big: 1n },
  { id: 2n, name: 'beta', big: -(2n ** 63n) },
  { id: 3n, name: 'gamma', big: BIG },
  { id: 4n, name: 'delta', big: 2n ** 63n - 1n },
];

describe('sqlite smoke', () => {
  let dir: string;
  let file: string;
  let db: Database.Database | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dr-sqlite-smoke-'));
    file = path.join(dir, 'source.db');
    db = new Database(file);
  });

  afterAll(() => {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function open(): Database.Database {
    if (db === undefined) throw new Error('database was not opened');
    return db;
  }

  it('switches to WAL mode', () => {
    expect(open().pragma('journal_mode = WAL', { simple: true })).toBe('wal');
    expect(open().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('writes rows in a transaction and reads them back with an iterator', () => {
    const conn = open();
    conn.exec(
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, big INTEGER NOT NULL)',
    );
    const insert = conn.prepare('INSERT INTO items (id, name, big) VALUES (@id, @name, @big)');
    const insertAll = conn.transaction((rows: Row[]) => {
      for (const row of rows) insert.run(row);
      return rows.length;
    });
    expect(insertAll(ROWS)).toBe(ROWS.length);
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    const select = conn
      .prepare<[], Row>('SELECT id, name, big FROM items ORDER BY id')
      .safeIntegers(true);
    const seen: Row[] = [];
    for (const row of select.iterate()) seen.push(row);
    expect(seen).toEqual(ROWS);

    const big = seen.find((r) => r.name === 'gamma');
    expect(typeof big?.big).toBe('bigint');
    expect(big?.big).toBe(BIG);
    expect(String(big?.big)).toBe('9007199254740993');
    // Without safeIntegers the same value silently comes back rounded: why sources must use it.
    const lossy = conn.prepare('SELECT big FROM items WHERE id = 3').pluck().get();
    expect(lossy).toBe(9007199254740992);
  });

  it('rolls back a failed transaction', () => {
    const conn = open();
    const insert = conn.prepare('INSERT INTO items (id, name, big) VALUES (?, ?, ?)');
    const failing = conn.transaction(() => {
      insert.run(10, 'kept?', 0);
      insert.run(1, 'duplicate primary key', 0);
    });
    expect(() => failing()).toThrow(/UNIQUE constraint failed/);
    const count = conn.prepare('SELECT count(*) AS n FROM items').pluck().get();
    expect(count).toBe(ROWS.length);
  });
});
