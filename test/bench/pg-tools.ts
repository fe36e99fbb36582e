/**
 * The PostgreSQL client programs (pg_dump, pg_restore, psql) as children: connection given by
 * host/port/user/database flags, the password by PGPASSFILE, so none is ever in argv.
 */
import { execFileSync } from 'node:child_process';
import {
  describeFailure,
  MeasuredChild,
  toolEnv,
  type ChildOutcome,
} from './process/child-process.js';

/** Flags selecting `database` on the server of `url`. */
export function pgConnectionArgs(url: URL, database: string): string[] {
  return [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username),
    '-d',
    database,
  ];
}

/** The environment for a client program: PGPASSFILE and nothing secret besides. */
export function pgToolEnv(passFile: string): Record<string, string> {
  return toolEnv({ PGPASSFILE: passFile, PGCONNECT_TIMEOUT: '10' });
}

/** Throws with the exit status and stderr tail unless the program exited 0. */
export function assertSucceeded(name: string, outcome: ChildOutcome): void {
  if (outcome.exitCode !== 0 || outcome.timedOut) throw new Error(describeFailure(name, outcome));
}

/**
 * `pg_dump --schema-only [--section]` of the source piped into `psql` on the target: how the
 * COPY and native-replication baselines get their tables (pre-data before the copy, post-data
 * (keys, indexes) after it, or everything at once).
 */
export async function copySchema(
  passFile: string,
  source: URL,
  sourceDb: string,
  target: URL,
  targetDb: string,
  section: 'pre-data' | 'post-data' | 'all',
): Promise<void> {
  const env = pgToolEnv(passFile);
  const sectionArgs = section === 'all' ? [] : [`--section=${section}`];
  const dump = new MeasuredChild(
    'pg_dump',
    [
      '--schema-only',
      '--no-publications',
      '--no-subscriptions',
      ...sectionArgs,
      ...pgConnectionArgs(source, sourceDb),
    ],
    {
      env,
      captureStdout: false,
    },
  );
  const psql = new MeasuredChild(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...pgConnectionArgs(target, targetDb)],
    {
      env,
      stdinFrom: dump.process,
    },
  );
  const [dumped, restored] = await Promise.all([dump.done, psql.done]);
  assertSucceeded('pg_dump --schema-only', dumped);
  assertSucceeded('psql (schema)', restored);
}

/** `pg_dump (PostgreSQL) 15.18 (Debian …)` -> "15.18"; "?" when not installed. */
export function pgDumpVersion(): string {
  try {
    const text = execFileSync('pg_dump', ['--version'], { encoding: 'utf8' });
    return /(\d+\.\d+)/.exec(text)?.[1] ?? '?';
  } catch {
    return '?'; // reported as unknown; the runner itself fails loudly if pg_dump is missing
  }
}
