/**
 * Rows the target refuses during `init --via pipeline`: the loader dead-letters their messages
 * and applies the rest, and the CLI must not call that a success. It exits 1, says the target
 * lacks those rows and what to do, and the log names each reason (an in-process bus's dead
 * letters end with the process, so the log is where the user finds them). Only the refused rows
 * are dead-lettered, one letter each: the accepted rows of the same copy chunks are applied.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { logLines } from './cli-child.js';

describeWithServices(['postgres'], 'init --via pipeline with rows the target refuses', () => {
  let db: TestDatabases;

  beforeAll(async () => {
    db = await createTestDatabases('dr_pcli_dead');
    await db.source(`CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL);
      INSERT INTO t SELECT g, g FROM generate_series(1, 200) g;`);
    // The target's own rule refuses n >= 150: the snapshot cannot apply those rows.
    await db.target('CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL CHECK (n < 150))');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('exits 1, reports the dead letters and logs their reason', async () => {
    const result = await runCliProcess(['init', '--via', 'pipeline', '-y'], db);
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(1);
    // One dead letter per refused row: a refused copy chunk is bisected down to its rows.
    expect(result.stdout).toContain('51 dead letter(s): the target refused those rows or changes');
    expect(result.stdout).toContain('database-replicator verify --repair');
    expect(result.stdout).not.toContain('Snapshot applied.');
    const letters = logLines(result.stderr, 'message dead-lettered');
    expect(letters).toHaveLength(51);
    for (const letter of letters) {
      expect(letter).toMatchObject({ code: 'REPL_WRITER_APPLY_FAILED' });
      expect(letter['reason']).toMatch(/violates check constraint "t_n_check"/);
    }
    // Every row the target accepts was applied, the good rows of mixed chunks included.
    const { rows } = await db.target('SELECT count(*)::int AS n, max(n)::int AS top FROM t');
    expect(rows[0]).toEqual({ n: 149, top: 149 });
  }, 90_000);
});
