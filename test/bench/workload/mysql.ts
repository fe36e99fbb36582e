/** The change workload on MariaDB: one transaction per batch, one statement per row (binlogged). */
import type { Connection } from 'mysql2/promise';
import { connectMysql } from '../mysql-db.js';
import type { Change } from './plan.js';
import { sqlStatements } from './sql-changes.js';
import type { WorkloadTarget } from './workload-target.js';

export class MysqlWorkload implements WorkloadTarget {
  readonly #connection: Connection;

  private constructor(connection: Connection) {
    this.#connection = connection;
  }

  static async open(url: URL, database: string): Promise<MysqlWorkload> {
    return new MysqlWorkload(await connectMysql(url, database));
  }

  async apply(changes: readonly Change[]): Promise<number> {
    let rows = 0;
    await this.#connection.beginTransaction();
    try {
      for (const change of changes) {
        for (const s of sqlStatements('question', change)) {
          await this.#connection.query(s.sql, s.params);
          rows += 1;
        }
      }
      await this.#connection.commit();
    } catch (error) {
      await this.#connection.rollback().catch(() => undefined); // the original error is what matters
      throw error;
    }
    return rows;
  }

  async close(): Promise<void> {
    await this.#connection.end();
  }
}
