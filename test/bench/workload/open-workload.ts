/** The workload writer for a source kind, connected to that source's benchmark dataset. */
import type { BenchContext } from '../bench-context.js';
import { MYSQL_BENCH_DATABASE } from '../dataset/mysql.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import type { SourceKind } from '../source-kind.js';
import { MongoWorkload } from './mongo.js';
import { MysqlWorkload } from './mysql.js';
import { PostgresWorkload } from './postgres.js';
import { SqliteWorkload } from './sqlite.js';
import type { WorkloadTarget } from './workload-target.js';

export async function openWorkload(ctx: BenchContext, source: SourceKind): Promise<WorkloadTarget> {
  switch (source) {
    case 'postgres':
      return PostgresWorkload.open(ctx.endpoints.pgSource, PG_BENCH_DATABASE);
    case 'mysql':
      return MysqlWorkload.open(ctx.endpoints.mysql, MYSQL_BENCH_DATABASE);
    case 'sqlite':
      return new SqliteWorkload(ctx.sqlitePath);
    case 'mongodb':
      return MongoWorkload.open(ctx.endpoints.mongo);
  }
}
