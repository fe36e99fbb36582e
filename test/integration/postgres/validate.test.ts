/**
 * `database-replicator validate` end to end: the built CLI as a child process against the real
 * clusters (source, target, and `plain` with wal_level=replica), URLs passed through the
 * environment. Each case breaks one prerequisite and asserts the failed row and its fix.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';

type Check = { id: string; title: string; status: string; detail: string; fix: string | null };
type Report = { ok: boolean; checks: Check[] };

const CHECK_KEYS = ['detail', 'fix', 'id', 'status', 'title'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCheck(value: unknown): value is Check {
  return (
    isRecord(value) &&
    Object.keys(value).sort().join() === CHECK_KEYS.join() &&
    typeof value['id'] === 'string' &&
    typeof value['title'] === 'string' &&
    ['ok', 'warn', 'fail', 'skipped'].includes(String(value['status'])) &&
    typeof value['detail'] === 'string' &&
    (value['fix'] === null || typeof value['fix'] === 'string')
  );
}

/** The --json document, exactly `{ ok, checks: [{ id, title, status, detail, fix }] }`. */
function parseReport(stdout: string): Report {
  const value: unknown = JSON.parse(stdout);
  if (
    !isRecord(value) ||
    Object.keys(value).sort().join() !== 'checks,ok' ||
    typeof value['ok'] !== 'boolean' ||
    !Array.isArray(value['checks'])
  ) {
    throw new Error(`not a validate report: ${stdout}`);
  }
  const checks: unknown[] = value['checks'];
  if (!checks.every(isCheck)) throw new Error(`a check has the wrong shape: ${stdout}`);
  return { ok: value['ok'], checks };
}

/** The URL with other parts; `new URL` keeps everything it is not told to change. */
function changeUrl(
  url: string,
  parts: { user?: string; password?: string; host?: string; port?: string; database?: string },
): string {
  const parsed = new URL(url);
  if (parts.database !== undefined) parsed.pathname = `/${parts.database}`;
  if (parts.user !== undefined) parsed.username = parts.user;
  if (parts.password !== undefined) parsed.password = parts.password;
  if (parts.host !== undefined) parsed.hostname = parts.host;
  if (parts.port !== undefined) parsed.port = parts.port;
  return parsed.toString();
}

async function validate(sourceUrl: string, targetUrl: string, args: string[] = []) {
  const result = await runCliProcess(['validate', ...args], { sourceUrl, targetUrl });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

async function validateJson(sourceUrl: string, targetUrl: string, args: string[] = []) {
  const result = await validate(sourceUrl, targetUrl, ['--json', ...args]);
  const report = parseReport(result.stdout);
  const byId = (id: string): Check => {
    const found = report.checks.find((c) => c.id === id);
    if (found === undefined) throw new Error(`report has no check ${id}: ${result.stdout}`);
    return found;
  };
  return { ...result, report, byId };
}

function statuses(report: Report): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

describeWithServices(['postgres'], 'validate (PostgreSQL → PostgreSQL)', () => {
  let dbs: TestDatabases;
  let plainAdmin: string;
  let plainUrl: string;
  const role = `dr_validate_${randomBytes(4).toString('hex')}`;
  const rolePassword = `pw-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    dbs = await createTestDatabases('validate');
    await dbs.source(`
      CREATE TABLE orders (id bigint PRIMARY KEY, note text);
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      CREATE TABLE audit_log (at timestamptz, message text);
      INSERT INTO orders SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g;`);
    // A login role with neither REPLICATION nor SELECT on orders (it may read customers).
    await dbs.source(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`);
    await dbs.source(`GRANT SELECT ON customers TO ${role}`);
    plainAdmin = requiredEnv('PG_PLAIN_URL');
    await queryOnce(plainAdmin, `CREATE DATABASE "${dbs.name}"`);
    plainUrl = changeUrl(plainAdmin, { database: dbs.name });
  });

  afterAll(async () => {
    if (plainAdmin !== undefined) {
      await queryOnce(plainAdmin, `DROP DATABASE IF EXISTS "${dbs.name}" WITH (FORCE)`);
    }
    await dbs?.drop();
    // Roles are per cluster: drop it after the database that holds its grant.
    await queryOnce(requiredEnv('PG_SOURCE_URL'), `DROP ROLE IF EXISTS ${role}`);
  });

  it('passes a ready pair with every check ok and exits 0', async () => {
    const { code, stdout, stderr } = await validate(dbs.sourceUrl, dbs.targetUrl, [
      '--exclude-tables',
      'audit_log',
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^check\s+status\s+detail\s+fix$/);
    const rows = lines.slice(2, -2);
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const row of rows) expect(row).toMatch(/^\S.*?\s{2,}ok\s{2,}/);
    expect(stdout).toContain('in 2 tables');
    expect(lines.at(-1)).toMatch(/^validate: \d+ ok; ready to replicate$/);
    expect(`${stdout}${stderr}`).not.toContain(':postgres@');
  });

  it('prints one JSON document with --json: { ok, checks: [{ id, title, status, detail, fix }] }', async () => {
    const { code, report, stdout, byId } = await validateJson(dbs.sourceUrl, dbs.targetUrl, [
      '--exclude-tables',
      'audit_log',
    ]);
    expect(code).toBe(0);
    // parseReport has checked the exact shape.
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThanOrEqual(14);
    for (const check of report.checks) {
      expect(check.status).toBe('ok');
      expect(check.fix).toBeNull();
    }
    expect(byId('data-size').detail).toMatch(/^about \d+(\.\d)? kB in 2 tables/);
    expect(stdout.trim().startsWith('{')).toBe(true);
  });

  it('fails wal_level=replica with the setting and the restart in the fix', async () => {
    const { code, report, byId } = await validateJson(plainUrl, dbs.targetUrl);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const wal = byId('wal-level');
    expect(wal.status).toBe('fail');
    expect(wal.detail).toContain('wal_level is replica');
    expect(wal.fix).toContain('wal_level = logical');
    expect(wal.fix).toContain('restart');
    // Nothing else is wrong with that server.
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'wal-level',
    ]);
  });

  it('fails a source user without REPLICATION and without SELECT, naming the GRANT and ALTER ROLE', async () => {
    const sourceUrl = changeUrl(dbs.sourceUrl, { user: role, password: rolePassword });
    const { code, byId, stdout, stderr } = await validateJson(sourceUrl, dbs.targetUrl, [
      '--exclude-tables',
      'audit_log',
    ]);
    expect(code).toBe(1);
    expect(byId('source-connectivity').status).toBe('ok');
    const replication = byId('replication-role');
    expect(replication.status).toBe('fail');
    expect(replication.detail).toContain('REPLICATION');
    expect(replication.fix).toContain(`ALTER ROLE "${role}" WITH REPLICATION`);
    const select = byId('table-privileges');
    expect(select.status).toBe('fail');
    expect(select.detail).toContain('no SELECT on public.orders');
    expect(select.detail).not.toContain('customers');
    expect(select.fix).toContain(`GRANT SELECT ON "public"."orders" TO "${role}";`);
    expect(`${stdout}${stderr}`).not.toContain(rolePassword);
  });

  it('fails a keyless table, listing it with the options', async () => {
    const { code, stdout, stderr } = await validate(dbs.sourceUrl, dbs.targetUrl);
    expect(code).toBe(1);
    const row = stdout.split('\n').find((line) => line.startsWith('replica identity'));
    expect(row).toMatch(/\s{2}fail\s{2}/);
    expect(row).toContain('public.audit_log');
    expect(row).not.toContain('public.orders');
    expect(row).toContain('ADD PRIMARY KEY');
    expect(row).toContain('ALTER TABLE "public"."audit_log" REPLICA IDENTITY FULL');
    expect(row).toContain('--exclude-tables public.audit_log');
    expect(stdout).toMatch(/fix the failed checks and run validate again$/);
    expect(stderr).not.toContain('error');
  });

  it('fails when source and target are one database reached as localhost and 127.0.0.1', async () => {
    const viaLocalhost = changeUrl(dbs.sourceUrl, { host: 'localhost' });
    const { code, byId } = await validateJson(viaLocalhost, dbs.sourceUrl, [
      '--exclude-tables',
      'audit_log',
    ]);
    expect(code).toBe(1);
    const distinct = byId('distinct-databases');
    expect(distinct.status).toBe('fail');
    expect(distinct.detail).toContain('source and target are the same database');
    expect(distinct.detail).toContain(`localhost:`);
    expect(distinct.fix).toContain('another database');
  });

  it('warns, without failing, about a row filter on a table without REPLICA IDENTITY FULL', async () => {
    const { code, byId } = await validateJson(dbs.sourceUrl, dbs.targetUrl, [
      '--exclude-tables',
      'audit_log',
      '--table-filter',
      'orders:note IS NOT NULL',
    ]);
    expect(code).toBe(0);
    const filters = byId('row-filters');
    expect(filters.status).toBe('warn');
    expect(filters.fix).toContain('REPLICA IDENTITY FULL');
  });

  it('reports unreachable servers as failed connectivity rows naming host:port/db, never the password', async () => {
    const secret = `pw-${randomBytes(8).toString('hex')}`;
    const source = changeUrl(dbs.sourceUrl, { password: secret, port: '1' });
    const target = changeUrl(dbs.targetUrl, { password: secret });
    const { code, report, byId, stdout, stderr } = await validateJson(source, target);
    expect(code).toBe(1);
    expect(byId('source-connectivity')).toMatchObject({ status: 'fail' });
    expect(byId('source-connectivity').detail).toContain(`127.0.0.1:1/${dbs.name}`);
    expect(byId('target-connectivity').status).toBe('fail');
    expect(byId('target-connectivity').detail).toContain(`${new URL(target).host}/${dbs.name}`);
    expect(byId('target-connectivity').detail).toContain('rejected the credentials');
    const rest = Object.entries(statuses(report)).filter(([id]) => !id.endsWith('connectivity'));
    expect(rest.every(([, status]) => status === 'skipped')).toBe(true);
    expect(`${stdout}${stderr}`).not.toContain(secret);
  });

  it('rejects a filter naming a missing table as a configuration error (exit 2)', async () => {
    const { code, stderr, stdout } = await validate(dbs.sourceUrl, dbs.targetUrl, [
      '--include-tables',
      'no_such_table',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('REPL_CONFIG_TABLE_NOT_FOUND');
    expect(stderr).toContain('no_such_table');
    expect(stdout).toBe('');
  });
});
