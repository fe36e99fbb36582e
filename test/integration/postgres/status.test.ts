/**
 * `database-replicator status` end to end for native PostgreSQL → PostgreSQL replication: the
 * built CLI as a child process against a publication and subscription set up by hand here (not by
 * `init`), so the command is proven to read any native replication from the catalogs alone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const DDL = `
CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int NOT NULL,
                     amount numeric(12, 2) NOT NULL);`;

const statusSchema = z.object({
  sourceLsn: z.string(),
  subscriptions: z.array(
    z.object({
      name: z.string(),
      enabled: z.boolean(),
      slotName: z.string().nullable(),
      phase: z.enum(['streaming', 'starting', 'disabled', 'broken']),
      problem: z.string().nullable(),
      workerPid: z.number().nullable(),
      slot: z.object({ active: z.boolean() }).nullable(),
      lag: z.object({
        appliedLsn: z.string().nullable(),
        lagBytes: z.number().nullable(),
        lagSeconds: z.number().nullable(),
        walRetainedBytes: z.number().nullable(),
      }),
      tables: z.array(z.object({ schema: z.string(), table: z.string(), state: z.string() })),
    }),
  ),
});
type Status = z.infer<typeof statusSchema>;

/** Publication on the source, the same tables on the target, a subscription copying the rows. */
async function replicate(db: TestDatabases, subscription: string): Promise<void> {
  await db.source(DDL);
  await db.target(DDL);
  await db.source(`INSERT INTO users (name) SELECT 'user ' || g FROM generate_series(1, 500) g;
                   INSERT INTO orders (user_id, amount) SELECT g, g * 1.5 FROM generate_series(1, 300) g;
                   CREATE PUBLICATION ${subscription}_pub FOR ALL TABLES`);
  const conninfo = db.sourceUrl.replaceAll("'", "''");
  await db.target(
    `CREATE SUBSCRIPTION ${subscription} CONNECTION '${conninfo}'
       PUBLICATION ${subscription}_pub WITH (copy_data = true)`,
  );
}

function run(db: TestDatabases, args: string[]) {
  return runCliProcess(args, db);
}

async function statusJson(db: TestDatabases): Promise<Status> {
  const result = await run(db, ['status', '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return statusSchema.parse(JSON.parse(result.stdout));
}

/** Runs `status --json` until `done` holds for its document; fails after `timeoutMs`. */
async function statusUntil(
  db: TestDatabases,
  what: string,
  done: (status: Status) => boolean,
  timeoutMs = 45_000,
): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusJson(db);
    if (done(status)) return status;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(status)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function only(status: Status) {
  expect(status.subscriptions).toHaveLength(1);
  const [subscription] = status.subscriptions;
  if (subscription === undefined) throw new Error('no subscription');
  return subscription;
}

describeWithServices(['postgres'], 'status (native PostgreSQL replication)', () => {
  let db: TestDatabases;
  let empty: TestDatabases;
  let subscription: string;

  beforeAll(async () => {
    db = await createTestDatabases('dr_status');
    empty = await createTestDatabases('dr_status_none');
    subscription = `${db.name}_sub`;
    await replicate(db, subscription);
  });

  afterAll(async () => {
    await db?.drop();
    await empty?.drop();
  });

  it('shows the subscription streaming and every table reaching ready (--json)', async () => {
    const status = await statusUntil(db, 'streaming with all tables ready', (s) => {
      const sub = s.subscriptions[0];
      return sub?.phase === 'streaming' && sub.tables.every((t) => t.state === 'ready');
    });
    const sub = only(status);
    expect(sub).toMatchObject({ name: subscription, enabled: true, slotName: subscription });
    expect(sub.problem).toBeNull();
    expect(sub.tables.map((t) => `${t.schema}.${t.table}`).sort()).toEqual([
      'public.orders',
      'public.users',
    ]);
    expect(sub.lag.walRetainedBytes).toBeGreaterThanOrEqual(0);
    const { rows } = await db.target('SELECT count(*)::int AS n FROM users');
    expect(rows[0]).toEqual({ n: 500 });
  });

  it('reports the lag of a stopped subscription, and 0 bytes once it caught up', async () => {
    await statusUntil(db, 'all tables ready', (s) =>
      (s.subscriptions[0]?.tables ?? []).every((t) => t.state === 'ready'),
    );
    await db.target(`ALTER SUBSCRIPTION ${subscription} DISABLE`);
    // Disabling only asks the worker to exit; it must be gone before the writes below.
    await statusUntil(db, 'the disabled worker to exit', (s) => {
      const sub = s.subscriptions[0];
      return sub?.phase === 'disabled' && sub.workerPid === null && sub.slot?.active === false;
    });
    await db.source("INSERT INTO users (name) SELECT 'late ' || g FROM generate_series(1, 5000) g");
    const stopped = only(await statusJson(db));
    expect(stopped.phase).toBe('disabled');
    // 5000 rows of WAL are at least 5000 * ~60 bytes beyond what the subscriber confirmed.
    expect(stopped.lag.lagBytes).toBeGreaterThan(100_000);
    expect(stopped.lag.lagSeconds).not.toBe(0);
    expect(stopped.lag.walRetainedBytes).toBeGreaterThanOrEqual(stopped.lag.lagBytes ?? 0);

    await db.target(`ALTER SUBSCRIPTION ${subscription} ENABLE`);
    // Other test files write WAL on the same cluster, which this walsender reads too; a busy
    // cluster takes a while before the slot is seen at the current position.
    const caughtUp = only(
      await statusUntil(
        db,
        'zero lag',
        (s) => {
          const sub = s.subscriptions[0];
          return sub?.phase === 'streaming' && sub.lag.lagBytes === 0;
        },
        90_000,
      ),
    );
    expect(caughtUp.lag.lagSeconds).toBe(0);
    const source = await db.source('SELECT count(*)::int AS n FROM users');
    const target = await db.target('SELECT count(*)::int AS n FROM users');
    expect(target.rows).toEqual(source.rows);
    expect(source.rows).toEqual([{ n: 5500 }]);
  }, 150_000);

  it('prints a table per subscription and per table', async () => {
    const result = await run(db, ['status']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^subscription\s+phase\s+lag\s+lag s\s+WAL retained/m);
    expect(result.stdout).toMatch(new RegExp(`^${subscription}\\s+streaming\\s`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${subscription}\\s+public\\.users\\s+ready$`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^${subscription}\\s+public\\.orders\\s+ready$`, 'm'));
  });

  it('--watch prints a frame every 2 s until interrupted, then exits 0', async () => {
    const child = run(db, ['status', '--watch', '--json']);
    // Interrupt once two frames are out: the handler is installed by then, however slow the start.
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`two frames within 30 s: ${printed}`)),
        30_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString('utf8');
        if (printed.split('\n').filter((line) => line.length > 0).length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(0);
    const frames = result.stdout.split('\n').filter((line) => line.length > 0);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) {
      expect(only(statusSchema.parse(JSON.parse(frame))).name).toBe(subscription);
    }
  });

  it('exits 1 on a target without subscriptions, saying init --enable-sync has not run', async () => {
    const result = await run(empty, ['status']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('REPL_SUBSCRIPTION_NOT_FOUND');
    expect(result.stderr).toContain('init --enable-sync has not run');
    expect(result.stdout).toBe('');
  });
});
