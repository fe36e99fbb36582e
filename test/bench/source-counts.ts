/**
 * Rows (documents) per table in a source right now: what a copy must reproduce. Counted live
 * because workloads grow and shrink the sources between scenarios.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { BenchContext } from './bench-context.js';
import { COLLECTIONS } from './dataset/mongo-docs.js';
import { connectMongo, MONGO_BENCH_DATABASE } from './dataset/mongo.js';
import { MYSQL_BENCH_DATABASE } from './dataset/mysql.js';
import { PG_BENCH_DATABASE } from './dataset/postgres.js';
import { openSqlite } from './dataset/sqlite.js';
import { TABLES } from './dataset/spec.js';
import { quoteMysql, withMysql } from './mysql-db.js';
import { countTables, withPg } from './pg-db.js';
import type { SourceKind } from './source-kind.js';

export async function sourceCounts(
  ctx: BenchContext,
  source: SourceKind,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  switch (source) {
    case 'postgres':
      return withPg(ctx.endpoints.pgSource, PG_BENCH_DATABASE, (c) => countTables(c, TABLES));
    case 'mysql':
      return withMysql(ctx.endpoints.mysql, MYSQL_BENCH_DATABASE, async (c) => {
        for (const table of TABLES) {
          const [rows] = await c.query<RowDataPacket[]>(
            `SELECT COUNT(*) AS n FROM ${quoteMysql(table)}`,
          );
          counts[table] = Number(rows[0]?.['n'] ?? -1);
        }
        return counts;
      });
    case 'sqlite': {
      const db = openSqlite(ctx.sqlitePath, true);
      try {
        for (const table of TABLES)
          counts[table] = Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
      } finally {
        db.close();
      }
      return counts;
    }
    case 'mongodb': {
      const client = await connectMongo(ctx.endpoints.mongo);
      try {
        for (const name of COLLECTIONS)
          counts[name] = await client.db(MONGO_BENCH_DATABASE).collection(name).countDocuments();
      } finally {
        await client.close();
      }
      return counts;
    }
  }
}
