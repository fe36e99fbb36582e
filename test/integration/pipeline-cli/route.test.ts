/**
 * Which way `init` replicates when `--via` is left out: a PostgreSQL source with a superuser
 * target goes native (pg_dump/pg_restore, subscription); a target role that may not create
 * subscriptions (owner of its database and schema, not superuser) goes through the pipeline and
 * still ends with the target equal to the source. `--via native --bus …` is a usage error.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { expectEqualTables } from './table-equality.js';

const PIPELINE_NOTE =
  'the target role may not create subscriptions: replicating through the pipeline';

async function fillSource(db: TestDatabases): Promise<void> {
  await db.source(`
    CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric(14,2), doc jsonb);
    CREATE INDEX accounts_owner ON accounts (owner);
    INSERT INTO accounts SELECT g, 'owner ' || g % 100, g * 1.5, jsonb_build_object('g', g)
      FROM generate_series(1, 5000) g;`);
}

function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

describeWithServices(['postgres'], 'init route choice (native or pipeline)', () => {
  const role = `dr_pcli_owner_${randomBytes(4).toString('hex')}`;
  const password = `Pw-${randomBytes(9).toString('hex')}`;
  let native: TestDatabases;
  let managed: TestDatabases;
  let stateDir: string;

  beforeAll(async () => {
    native = await createTestDatabases('dr_pcli_route_n');
    managed = await createTestDatabases('dr_pcli_route_p');
    stateDir = await mkdtemp(join(tmpdir(), 'dr-pcli-route-'));
    await fillSource(native);
    await fillSource(managed);
    // As on a managed service: the role owns its database and schema but is no superuser.
    const targetAdmin = requiredEnv('PG_TARGET_URL');
    await queryOnce(
      targetAdmin,
      `CREATE ROLE ${role} LOGIN CREATEDB NOSUPERUSER PASSWORD '${password}'`,
    );
    await queryOnce(targetAdmin, `ALTER DATABASE "${managed.name}" OWNER TO ${role}`);
    await managed.target(`ALTER SCHEMA public OWNER TO ${role}`);
  });

  afterAll(async () => {
    await native?.drop();
    await managed?.drop();
    await queryOnce(requiredEnv('PG_TARGET_URL'), `DROP ROLE IF EXISTS ${role}`);
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  it('takes the native path for a superuser target', async () => {
    const result = await runCliProcess(['init', '--state-dir', stateDir], native);
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
    expect(result.stdout).toMatch(/copied/);
    expect(result.stderr).not.toContain('pipeline started');
    expect(result.stderr).not.toContain(PIPELINE_NOTE);
    const replicator = await native.target("SELECT to_regnamespace('_replicator') AS ns");
    expect(replicator.rows[0]?.ns ?? null, 'no pipeline job state on the target').toBeNull();
    await expectEqualTables(native.sourceUrl, native.targetUrl);
  }, 90_000);

  it('takes the pipeline for a target role that may not create subscriptions', async () => {
    const target = withCredentials(managed.targetUrl, role, password);
    const result = await runCliProcess(['init', '--json', '--state-dir', stateDir], {
      sourceUrl: managed.sourceUrl,
      targetUrl: target,
    });
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
    expect(result.stderr).toContain(PIPELINE_NOTE);
    expect(result.stderr).toContain('pipeline started');
    expect(result.stderr).not.toContain(password);
    const report = z
      .object({ jobId: z.string(), extractor: z.object({ snapshotRows: z.number() }) })
      .parse(JSON.parse(result.stdout));
    expect(report.extractor.snapshotRows).toBe(5000);
    const owner = await managed.target(
      "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'accounts'",
    );
    expect(owner.rows[0]?.tableowner).toBe(role);
    await expectEqualTables(managed.sourceUrl, managed.targetUrl);
  }, 90_000);

  it('refuses --via native with --bus as a usage error (exit 2)', async () => {
    const result = await runCliProcess(
      ['init', '--via', 'native', '--bus', 'memory', '--state-dir', stateDir],
      native,
    );
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain('REPL_CLI_USAGE');
    expect(result.stderr).toContain('--bus applies to --via pipeline only');
  });
});
