/** The change workload on the PostgreSQL source: one transaction per batch, one statement per row. */
import type { Client } from 'pg';
import { connectPg } from '../pg-db.js';
import type { Change } from './plan.js';
import { sqlStatements } from './sql-changes.js';
import type { WorkloadTarget } from './workload-target.js';

export class PostgresWorkload implements WorkloadTarget {
  readonly #client: Client;

  private constructor(client: Client) {
    this.#client = client;
  }

  static async open(url: URL, database: string): Promise<PostgresWorkload> {
    return new PostgresWorkload(await connectPg(url, database, 'dr-bench-workload'));
  }

  async apply(changes: readonly Change[]): Promise<number> {
    let rows = 0;
    await this.#client.query('BEGIN');
    try {
      for (const change of changes) {
        for (const s of sqlStatements('dollar', change)) {
          await this.#client.query(s.sql, s.params);
          rows += 1;
        }
      }
      await this.#client.query('COMMIT');
    } catch (error) {
      await this.#client.query('ROLLBACK').catch(() => undefined); // the original error is what matters
      throw error;
    }
    return rows;
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}
