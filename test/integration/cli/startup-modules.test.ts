/**
 * CLI start-up cost: a command loads only the drivers its run needs. The built CLI runs as a
 * child with a module-resolution hook (`--import`, through NODE_OPTIONS) that writes every
 * resolved module URL to a file, and the packages in that list are asserted: deterministic,
 * unlike timings on a shared machine. A hook that makes one driver fail to resolve checks that a
 * driver which cannot be loaded is reported as REPL_MODULE_LOAD_FAILED.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

/** Other source kinds' drivers, which no PostgreSQL-only command loads. */
const OTHER_SOURCE_DRIVERS = ['mongodb', 'mysql2', '@vlasky/zongji', 'better-sqlite3'];

/** Drivers and clients no PostgreSQL-only run, and no `--help`, may load. */
const HEAVY_PACKAGES = [
  'kafkajs',
  'mongodb',
  'mysql2',
  '@vlasky/zongji',
  'better-sqlite3',
  '@nats-io/transport-node',
  'pg-logical-replication',
  'execa',
];

// Runs in the loader thread: appends each resolved URL to the file named by the registration, or
// fails the resolution of the specifier it names.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let options = {};
export function initialize(data) { options = data; }
export async function resolve(specifier, context, next) {
  if (specifier === options.fail) throw new Error('Cannot find package ' + specifier + ' (test hook)');
  const resolved = await next(specifier, context);
  if (options.out) appendFileSync(options.out, resolved.url + '\\n');
  return resolved;
}`;

function hookOptions(data: Readonly<{ out?: string; fail?: string }>): Record<string, string> {
  const hooks = `data:text/javascript,${encodeURIComponent(HOOKS)}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)}, { data: ${JSON.stringify(data)} });`;
  return { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(register)}` };
}

/** `@scope/name` or `name` of a node_modules URL; `@database-replicator/<lib>` of a workspace one. */
function packageOf(url: string): string | undefined {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first = '', second = ''] = url.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const workspace = /\/(?:libs|services)\/([^/]+)\/dist\//.exec(url)?.[1];
  return workspace === undefined ? undefined : `@database-replicator/${workspace}`;
}

describeWithServices(['postgres'], 'CLI start-up loads only what the command needs', () => {
  let db: TestDatabases;
  let dir: string;
  let runs = 0;
  const urls = (): { sourceUrl: string; targetUrl: string } => ({
    sourceUrl: db.sourceUrl,
    targetUrl: db.targetUrl,
  });

  beforeAll(async () => {
    db = await createTestDatabases('dr_cli_startup');
    await db.source('CREATE TABLE items (id bigint PRIMARY KEY, name text)');
    dir = mkdtempSync(path.join(os.tmpdir(), 'dr-cli-startup-'));
  });

  afterAll(async () => {
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI; resolves to its outcome and the packages it loaded. */
  async function runRecorded(args: readonly string[]) {
    runs += 1;
    const out = path.join(dir, `modules-${runs}.txt`);
    const outcome = await runCliProcess(args, urls(), hookOptions({ out }));
    const loaded = new Set(
      readFileSync(out, 'utf8')
        .split('\n')
        .map(packageOf)
        .filter((name) => name !== undefined),
    );
    return { outcome, loaded };
  }

  it('--help and status --help load no driver and no command module', async () => {
    for (const args of [['--help'], ['status', '--help']]) {
      const { outcome, loaded } = await runRecorded(args);
      expect(outcome.exitCode, args.join(' ')).toBe(0);
      expect(outcome.stdout).toContain('database-replicator');
      // The hook saw the CLI's own start: an empty list would pass the checks below.
      expect(loaded).toContain('@database-replicator/core');
      for (const name of [...HEAVY_PACKAGES, 'pg', '@database-replicator/runtime']) {
        expect(loaded, `${args.join(' ')} loaded ${name}`).not.toContain(name);
      }
    }
  });

  it('validate of a PostgreSQL source loads no other source driver, bus or job store client', async () => {
    const { outcome, loaded } = await runRecorded(['validate']);
    expect(outcome.stderr).toBe('');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout).toContain('ready to replicate');
    expect(loaded).toContain('pg');
    for (const name of HEAVY_PACKAGES) {
      expect(loaded, `validate loaded ${name}`).not.toContain(name);
    }
  });

  it.each([
    ['verify', 'items'],
    ['status', 'REPL_SUBSCRIPTION_NOT_FOUND'],
  ])(
    '%s of a PostgreSQL source loads no other source driver and no NATS client',
    async (command, shown) => {
      const { outcome, loaded } = await runRecorded([command]);
      // Neither pair has anything to compare or show (the target lacks the table, nothing
      // replicates): exit 1 after a real run, which loaded the runtime and talked to PostgreSQL.
      expect(outcome.exitCode, outcome.stderr).toBe(1);
      expect(`${outcome.stdout}${outcome.stderr}`).toContain(shown);
      expect(loaded).toContain('@database-replicator/runtime');
      expect(loaded).toContain('pg');
      for (const name of OTHER_SOURCE_DRIVERS) {
        expect(loaded, `${command} loaded ${name}`).not.toContain(name);
      }
      const nats = [...loaded].filter((name) => name.startsWith('@nats-io/'));
      expect(nats, `${command} loaded NATS`).toEqual([]);
    },
  );

  it('reports a source driver that cannot be loaded as REPL_MODULE_LOAD_FAILED', async () => {
    const outcome = await runCliProcess(
      ['validate'],
      { sourceUrl: 'mysql://root@127.0.0.1:1/app', targetUrl: db.targetUrl },
      hookOptions({ fail: 'mysql2/promise' }),
    );
    expect(outcome.exitCode).toBe(3);
    expect(outcome.stderr).toContain('error REPL_MODULE_LOAD_FAILED: Cannot load');
    expect(outcome.stderr).toContain('mysql2/promise');
    expect(outcome.stderr).toContain('fix: The installation is incomplete');
  });
});
