/**
 * `verify` while native logical replication streams changes into the target (publication and
 * subscription set up by hand here, not by init): rows changed on the source and still in
 * flight must not be reported; a row changed directly on the target must be.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const CLI = fileURLToPath(
  new URL('../../../services/cli/bin/database-replicator.js', import.meta.url),
);

const ROWS = 20_000;
const DRIFTED = 12_345;

const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      status: z.string(),
      missing: z.array(z.record(z.string(), z.string())),
      extra: z.array(z.record(z.string(), z.string())),
      different: z.array(z.record(z.string(), z.string())),
      notes: z.array(z.string()),
    }),
  ),
});

async function verifyJson(db: TestDatabases) {
  const result = await execa('node', [CLI, 'verify', '--json'], {
    env: { ...process.env, DR_SOURCE_URL: db.sourceUrl, DR_TARGET_URL: db.targetUrl },
    reject: false,
  });
  if (result.stdout === '') throw new Error(`verify printed nothing: ${result.stderr}`);
  return { code: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Writes on the source until stopped: every key is updated, deleted or inserted at most once,
 * so a key that differs twice across a catch-up can only be a real difference.
 */
function startWriter(url: string) {
  let stopped = false;
  let batches = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      for (let start = 1; !stopped && start + 40 <= ROWS; start += 40) {
        if (start <= DRIFTED && DRIFTED < start + 40) continue;
        await client.query(
          `BEGIN;
           UPDATE items SET v = v + 1 WHERE id BETWEEN ${start} AND ${start + 29};
           DELETE FROM items WHERE id BETWEEN ${start + 30} AND ${start + 34};
           INSERT INTO items (id, v) SELECT ${ROWS} + g, g FROM generate_series(${start}, ${start + 4}) g;
           COMMIT;`,
        );
        batches += 1;
        await sleep(5);
      }
    } finally {
      await client.end();
    }
  })();
  return {
    batches: () => batches,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

describeWithServices(['postgres'], 'verify while changes stream', () => {
  let db: TestDatabases;

  beforeAll(async () => {
    db = await createTestDatabases('dr_verify_stream');
    const ddl = 'CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text);';
    await db.source(ddl);
    await db.target(ddl);
    await db.source(
      `INSERT INTO items SELECT g, g FROM generate_series(1, ${ROWS}) g;
       CREATE PUBLICATION ${db.name}_pub FOR TABLE items;`,
    );
    const conninfo = db.sourceUrl.replaceAll("'", "''");
    await db.target(
      `CREATE SUBSCRIPTION ${db.name}_sub CONNECTION '${conninfo}'
         PUBLICATION ${db.name}_pub WITH (copy_data = true)`,
    );
    await eventually('the initial copy', async () => {
      const { rows } = await db.target(
        "SELECT count(*) FILTER (WHERE srsubstate <> 'r') AS pending FROM pg_subscription_rel",
      );
      return Number(rows[0]?.pending) === 0;
    });
    // Drift only the target: the stream never touches this row again.
    await db.target(`UPDATE items SET note = 'drift' WHERE id = ${DRIFTED}`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('reports only the row changed on the target, not the changes in flight', async () => {
    const writer = startWriter(db.sourceUrl);
    try {
      await eventually('the writer to start', () => Promise.resolve(writer.batches() > 5));
      const { code, report } = await verifyJson(db);
      expect(writer.batches()).toBeGreaterThan(5);
      expect(report.tables).toHaveLength(1);
      expect(report.tables[0]).toMatchObject({
        table: 'public.items',
        status: 'different',
        different: [{ id: String(DRIFTED) }],
        missing: [],
        extra: [],
      });
      expect(code).toBe(1);
    } finally {
      await writer.stop();
    }
  });

  it('catches up quickly once the source is idle', async () => {
    const started = Date.now();
    const { code, report } = await verifyJson(db);
    const elapsedMs = Date.now() - started;
    expect(code).toBe(1);
    expect(report.tables[0]?.different).toEqual([{ id: String(DRIFTED) }]);
    expect(report.tables[0]?.notes.join(' ')).not.toContain('did not catch up');
    expect(elapsedMs).toBeLessThan(30_000);
  });
});
