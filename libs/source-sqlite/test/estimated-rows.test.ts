/**
 * A table's estimated rows (progress and ETA) come from its rowid range, two index seeks, and
 * fall back to a count where the range cannot be trusted or read.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { introspectSqliteTable } from '../src/introspect.js';

let db: Database.Database;

beforeEach(() => {
  db = new Database(':memory:');
});

afterEach(() => {
  db.close();
});

const estimate = (table: string): number =>
  introspectSqliteTable(db, table, undefined).estimatedRows;

function fill(table: string, rows: number): void {
  const insert = db.prepare(`INSERT INTO ${table} (v) VALUES (?)`);
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) insert.run(`v${i}`);
  })();
}

describe('estimated rows of a SQLite table', () => {
  it('are the rowid range: exact for a table without deletes, 0 when empty', () => {
    db.exec('CREATE TABLE keyed (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE keyless (v TEXT)');
    expect(estimate('keyed')).toBe(0);
    fill('keyed', 1234);
    fill('keyless', 77);
    expect(estimate('keyed')).toBe(1234);
    expect(estimate('keyless')).toBe(77);
  });

  it('read the range without a scan, so rows deleted inside it still count', () => {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    fill('t', 100);
    db.exec('DELETE FROM t WHERE id BETWEEN 10 AND 19');
    expect(estimate('t')).toBe(100);
  });

  it('count rows of WITHOUT ROWID tables and of tables whose columns hide every rowid alias', () => {
    db.exec(`
      CREATE TABLE wr (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
      CREATE TABLE hidden (rowid INTEGER, _rowid_ INTEGER, oid INTEGER, k TEXT PRIMARY KEY, v TEXT);
    `);
    for (const table of ['wr', 'hidden']) {
      const insert = db.prepare(`INSERT INTO ${table} (k, v) VALUES (?, ?)`);
      for (let i = 0; i < 40; i += 1) insert.run(`k${i}`, 'v');
    }
    expect(estimate('wr')).toBe(40);
    expect(estimate('hidden')).toBe(40);
  });

  it('count rows when the rowids are too sparse for their range to mean anything', () => {
    db.exec('CREATE TABLE sparse (id INTEGER PRIMARY KEY, v TEXT)');
    db.prepare('INSERT INTO sparse (id, v) VALUES (?, ?)').run(1, 'a');
    db.prepare('INSERT INTO sparse (id, v) VALUES (?, ?)').run(2n ** 62n, 'b');
    expect(estimate('sparse')).toBe(2);
  });
});
