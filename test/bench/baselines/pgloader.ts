/**
 * Baselines `pgloader-mysql` and `pgloader-sqlite`: pgloader (the Debian package, 3.6.9) as a user
 * would run it, from MariaDB's `bench` or the SQLite file into a fresh target database. pgloader
 * creates the tables, copies, then builds keys and indexes; for MySQL it puts them in a schema
 * named after the source database.
 *
 * One setting departs from the defaults, `prefetch rows = 10000` (default 100,000): the Debian
 * build has a 1 GB SBCL heap, and with the default pgloader dies on the MySQL dataset at scale
 * 1,000,000 ("Heap exhausted during garbage collection", then "GC invariant lost"), the failure
 * pgloader's users meet and fix this way. The other fix, `--dynamic-space-size 4096`, also works
 * but was slower (54 s against 49 s) and took 1.5 GB instead of 0.8 GB.
 *
 * Credentials go into the command file (0600, in a 0700 directory of this run): pgloader takes
 * them only in connection strings, and its argv is visible to every user on the machine. It
 * authenticates to PostgreSQL 15 with scram-sha-256 without help. Its exit code is 0 even when
 * rows were rejected (and when it prints its usage for an unknown option), so success is decided
 * by the target's row counts.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { datasetOf, type BenchContext } from '../bench-context.js';
import { MYSQL_BENCH_DATABASE } from '../dataset/mysql.js';
import { countTables, dropDatabase, recreateDatabase, withPg } from '../pg-db.js';
import { describeFailure, runMeasured, toolEnv } from '../process/child-process.js';
import { NotAvailable, type Measurement } from '../result.js';
import { makePrivateDir, removeDir, writeSecretFile } from '../secret-files.js';
import type { SourceKind } from '../source-kind.js';
import { sourceCounts } from '../source-counts.js';
import { TARGET_DATABASES } from '../target-databases.js';
import { assertSameCounts, sumCounts } from './copy-check.js';

export type PgloaderSource = Extract<SourceKind, 'mysql' | 'sqlite'>;

const TARGET_DB: Readonly<Record<PgloaderSource, string>> = {
  mysql: TARGET_DATABASES.pgloaderMysql,
  sqlite: TARGET_DATABASES.pgloaderSqlite,
};

/** Our one departure from pgloader's defaults (see the module comment). */
const PGLOADER_WITH = 'prefetch rows = 10000';

/** pgloader's connection-string grammar has no escaping we can rely on: accept plain credentials only. */
function plain(value: string, what: string): string {
  const decoded = decodeURIComponent(value);
  if (!/^[A-Za-z0-9._~-]*$/.test(decoded)) {
    throw new Error(
      `the ${what} holds characters pgloader's connection strings cannot carry; use letters, digits and ._~-`,
    );
  }
  return decoded;
}

function connectionString(scheme: 'mysql' | 'postgresql', url: URL, database: string): string {
  const user = plain(url.username, `${scheme} user name`);
  const password = plain(url.password, `${scheme} password`);
  return `${scheme}://${user}${password === '' ? '' : `:${password}`}@${url.hostname}:${url.port}/${database}`;
}

/** The installed pgloader's version: the package's (3.6.9-1), as the binary calls itself 3.6.7~devel. */
export function pgloaderVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'pgloader'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return '?'; // not a Debian package: the report says unknown
  }
}

export async function runPgloader(ctx: BenchContext, from: PgloaderSource): Promise<Measurement> {
  const { pgTarget, mysql } = ctx.endpoints;
  const targetDb = TARGET_DB[from];
  const dir = await makePrivateDir(ctx.secretsDir, `pgloader-${from}`);
  try {
    const source =
      from === 'mysql'
        ? connectionString('mysql', mysql, MYSQL_BENCH_DATABASE)
        : `sqlite://${ctx.sqlitePath}`;
    const commandFile = join(dir, 'load.pgloader');
    await writeSecretFile(
      commandFile,
      `LOAD DATABASE\n  FROM ${source}\n  INTO ${connectionString('postgresql', pgTarget, targetDb)}\n  WITH ${PGLOADER_WITH};\n`,
    );
    await recreateDatabase(pgTarget, targetDb);
    ctx.log(`pgloader ${from} -> ${targetDb}`);
    const outcome = await runMeasured(
      'pgloader',
      ['--root-dir', dir, '--logfile', join(dir, 'pgloader.log'), commandFile],
      {
        env: toolEnv(),
        timeoutMs: 60 * 60_000,
      },
    );
    if (outcome.spawnError !== null)
      throw new NotAvailable(`pgloader could not start (${outcome.spawnError.message})`);
    if (
      outcome.exitCode !== 0 ||
      outcome.timedOut ||
      /^pgloader \[ option/m.test(outcome.stdoutTail)
    ) {
      throw new Error(describeFailure('pgloader', outcome));
    }
    const dataset = datasetOf(ctx, from);
    const expected = await sourceCounts(ctx, from);
    const target = await withPg(pgTarget, targetDb, (c) => countTables(c, Object.keys(expected)));
    assertSameCounts(`pgloader ${from}`, expected, target);
    return {
      wallSeconds: outcome.wallMs / 1000,
      count: sumCounts(expected),
      unit: 'rows',
      bytes: dataset.sizeBytes,
      peakRssBytes: outcome.peakRssBytes,
      lag: null,
      notes: [
        `defaults but ${PGLOADER_WITH} (the default exhausts its 1 GB heap at scale 1,000,000); creates tables, copies, then builds keys and indexes`,
      ],
    };
  } finally {
    await removeDir(dir);
    await dropDatabase(pgTarget, targetDb);
  }
}
