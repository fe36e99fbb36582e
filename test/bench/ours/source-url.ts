/** The URL our replicator is given for each source kind's benchmark dataset. */
import type { BenchContext } from '../bench-context.js';
import { MONGO_BENCH_DATABASE } from '../dataset/mongo.js';
import { MYSQL_BENCH_DATABASE } from '../dataset/mysql.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import { withDatabase } from '../endpoints.js';
import type { SourceKind } from '../source-kind.js';

export function replicatorSourceUrl(ctx: BenchContext, source: SourceKind): string {
  switch (source) {
    case 'postgres':
      return withDatabase(ctx.endpoints.pgSource, PG_BENCH_DATABASE).href;
    case 'mysql':
      return withDatabase(ctx.endpoints.mysql, MYSQL_BENCH_DATABASE).href;
    case 'sqlite':
      return `sqlite://${ctx.sqlitePath}`;
    case 'mongodb':
      return withDatabase(ctx.endpoints.mongo, MONGO_BENCH_DATABASE).href;
  }
}
