/**
 * The change workload on the SQLite file: one transaction per batch. A busy timeout lets it wait
 * out a reader (a replicator polling the file) instead of failing with SQLITE_BUSY.
 */
import type Database from 'better-sqlite3';
import { openSqlite } from '../dataset/sqlite.js';
import type { Change } from './plan.js';
import { sqlStatements } from './sql-changes.js';
import type { WorkloadTarget } from './workload-target.js';

export class SqliteWorkload implements WorkloadTarget {
  readonly #db: Database.Database;
  readonly #applyBatch: (changes: readonly Change[]) => number;

  constructor(path: string) {
    this.#db = openSqlite(path);
    this.#db.pragma('busy_timeout = 10000');
    const statements = new Map<string, Database.Statement>();
    const prepared = (sql: string): Database.Statement => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = this.#db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    };
    this.#applyBatch = this.#db.transaction((changes: readonly Change[]) => {
      let rows = 0;
      for (const change of changes) {
        for (const s of sqlStatements('question', change)) {
          prepared(s.sql).run(s.params);
          rows += 1;
        }
      }
      return rows;
    });
  }

  apply(changes: readonly Change[]): Promise<number> {
    return Promise.resolve(this.#applyBatch(changes));
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}
