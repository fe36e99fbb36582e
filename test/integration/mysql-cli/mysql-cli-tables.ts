/**
 * The MariaDB side of the CLI suites: three tables (a composite key, a name with a dash and mixed
 * case, and one column of each awkward type) filled with ~20,000 rows, a fresh PostgreSQL target
 * database per file, and a writer that inserts, updates and deletes in all three tables while the
 * CLI runs.
 */
import { randomBytes } from 'node:crypto';
import { quoteIdent } from '@database-replicator/core';
import type mysql from 'mysql2/promise';
import { requiredEnv } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';
import type { MysqlTestDatabase } from '../source-mysql/mysql-fixtures.js';

/** Initial row counts; `orders × 3` rows go into `order_lines`. */
export const SIZES = { orders: 2000, accounts: 6000, typed: 8000 } as const;

/** The dash-and-case table's name, as the source and the target spell it. */
export const ACCOUNTS = 'Customer-Accounts';

/** A fresh database on the PostgreSQL target cluster. */
export type TargetDatabase = Readonly<{ name: string; url: string; drop: () => Promise<void> }>;

export async function createTargetDatabase(prefix: string): Promise<TargetDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = requiredEnv('PG_TARGET_URL');
  await queryOnce(admin, `CREATE DATABASE ${quoteIdent(name)}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await queryOnce(admin, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}

/** Creates and fills the three tables. */
export async function createSourceTables(db: MysqlTestDatabase): Promise<void> {
  await db.query(`
    CREATE TABLE order_lines (
      order_id int NOT NULL, line_no int NOT NULL, qty int NOT NULL, note varchar(100),
      PRIMARY KEY (order_id, line_no));
    CREATE TABLE \`${ACCOUNTS}\` (
      Id int NOT NULL AUTO_INCREMENT PRIMARY KEY, \`FullName\` varchar(100) NOT NULL,
      Balance bigint NOT NULL);
    CREATE TABLE typed (
      id bigint NOT NULL PRIMARY KEY, at datetime(6), amount decimal(12,3), doc json, bin blob,
      status enum('new','paid','void'), tags set('a','b','c'), active tinyint(1));
    INSERT INTO order_lines
      SELECT o.seq, l.seq, o.seq * l.seq % 50, CONCAT('line ', o.seq, '/', l.seq)
      FROM seq_1_to_${SIZES.orders} o CROSS JOIN seq_1_to_3 l;
    INSERT INTO \`${ACCOUNTS}\` (Id, FullName, Balance)
      SELECT seq, CONCAT('Kunde ', seq, ' 😀'), seq * 1000003 FROM seq_1_to_${SIZES.accounts};
    INSERT INTO typed
      SELECT seq,
        TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq MICROSECOND,
        seq * 1.001,
        IF(seq % 7 = 0, NULL, JSON_OBJECT('n', seq, 'tags', JSON_ARRAY('x', seq % 3), 's', 'ü')),
        IF(seq % 5 = 0, NULL, UNHEX(SHA1(seq))),
        ELT(1 + seq % 3, 'new', 'paid', 'void'),
        ELT(1 + seq % 4, '', 'a', 'a,c', 'a,b,c'),
        IF(seq % 11 = 0, NULL, seq % 2)
      FROM seq_1_to_${SIZES.typed};`);
}

/** What a writer did. */
export type WriterStats = { inserts: number; updates: number; deletes: number; errors: string[] };

export interface SourceWriter {
  /** Counts so far. */
  readonly stats: WriterStats;
  /** Stops the loop after its current statement; resolves with the final counts. */
  stop(): Promise<WriterStats>;
}

type Op = (c: mysql.Connection, n: number) => Promise<'insert' | 'update' | 'delete'>;

/** Keys above every initial key, so inserts never collide. */
const NEW_KEYS = 1_000_000;

/** The writer's operations in turn: an insert, update or delete in each table. */
const OPS: readonly Op[] = [
  async (c, n) => {
    await c.query('INSERT INTO order_lines VALUES (?, 1, ?, ?), (?, 2, ?, NULL)', [
      NEW_KEYS + n,
      n % 50,
      `new ${n}`,
      NEW_KEYS + n,
      n % 40,
    ]);
    return 'insert';
  },
  async (c, n) => {
    await c.query('UPDATE order_lines SET qty = qty + 1, note = ? WHERE order_id = ?', [
      `upd ${n}`,
      1 + ((n * 7919) % SIZES.orders),
    ]);
    return 'update';
  },
  async (c, n) => {
    await c.query(`INSERT INTO \`${ACCOUNTS}\` (FullName, Balance) VALUES (?, ?)`, [
      `Neu ${n}`,
      -n,
    ]);
    return 'insert';
  },
  async (c, n) => {
    await c.query(`DELETE FROM \`${ACCOUNTS}\` WHERE Id = ?`, [
      1 + ((n * 104_729) % SIZES.accounts),
    ]);
    return 'delete';
  },
  async (c, n) => {
    await c.query(
      `INSERT INTO typed VALUES (?, '2025-02-03 04:05:06.000007', ?, JSON_OBJECT('w', ?), UNHEX('00FF10'), 'void', 'b,c', 1)`,
      [NEW_KEYS + n, `${n}.5`, n],
    );
    return 'insert';
  },
  async (c, n) => {
    await c.query(
      `UPDATE typed SET at = at + INTERVAL 1 MICROSECOND, amount = -amount, tags = 'c',
         active = NOT COALESCE(active, 0), doc = JSON_SET(COALESCE(doc, '{}'), '$.u', ?),
         status = 'paid', bin = NULL WHERE id = ?`,
      [n, 1 + ((n * 6007) % SIZES.typed)],
    );
    return 'update';
  },
  async (c, n) => {
    await c.query('DELETE FROM typed WHERE id = ?', [1 + ((n * 3001) % SIZES.typed)]);
    return 'delete';
  },
];

/** Starts a writer on its own connection; it runs until stopped. */
export async function startSourceWriter(db: MysqlTestDatabase): Promise<SourceWriter> {
  const connection = await db.connect();
  const stats: WriterStats = { inserts: 0, updates: 0, deletes: 0, errors: [] };
  let stopping = false;
  const loop = (async () => {
    for (let n = 1; !stopping; n += 1) {
      const op = OPS[n % OPS.length];
      if (op === undefined) continue;
      try {
        const kind = await op(connection, n);
        stats[kind === 'insert' ? 'inserts' : kind === 'update' ? 'updates' : 'deletes'] += 1;
      } catch (error) {
        stats.errors.push(String(error));
      }
      if (n % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stats,
    stop: async () => {
      stopping = true;
      await loop;
      await connection.end();
      return stats;
    },
  };
}
