/**
 * Runs a PostgreSQL client program (pg_dump, pg_restore, pg_dumpall, psql) for one database.
 * Credentials reach it only through the environment: PGHOST/PGPORT/PGUSER/PGDATABASE and a 0600
 * PGPASSFILE built from the URL; the command line never holds one, because `ps` shows argv to
 * every user of the machine. Its sessions carry the job's application_name, so a later run can
 * find and end sessions of a run that was killed. stderr is logged line by line at debug
 * (redacted) and its last lines end up in the error when the program fails.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { redactText, replicatorError, type Logger, type Secret } from '@database-replicator/core';
import { createLibpqEnvironment } from '../libpq-environment.js';

/** The programs run by the native path. */
export type ClientProgram = 'pg_dump' | 'pg_restore' | 'pg_dumpall' | 'psql';

/** One run of a client program. */
export type ClientToolRun = Readonly<{
  program: ClientProgram;
  args: readonly string[];
  url: Secret;
  database: string;
  applicationName: string;
  /** What the run is for, in messages and logs ("dump", "restore pre-data"...). */
  step: string;
  logger: Logger;
  signal: AbortSignal;
  /** Write stdout to this file instead of discarding it. */
  stdoutFile?: string;
  /** Return a failed exit instead of throwing (psql applying roles classifies errors itself). */
  allowFailure?: boolean;
}>;

/** How a run ended: the exit code and every stderr line (redacted). */
export type ClientToolResult = Readonly<{ exitCode: number; stderr: readonly string[] }>;

const KEPT_STDERR_LINES = 200;
const SHOWN_STDERR_LINES = 12;

// Variables of the caller's environment that would redirect the child to another server or make
// it prefer another password than the URL's (libpq: PGPASSWORD wins over PGPASSFILE).
const REDIRECTING = ['PGHOSTADDR', 'PGSERVICE', 'PGSERVICEFILE', 'PGREQUIRESSL', 'PGSSLMODE'];
const CARRYING_URLS = ['DR_SOURCE_URL', 'DR_TARGET_URL'];

/**
 * Runs `run.program` and resolves when it exits 0.
 *
 * @throws ReplicatorError `REPL_NATIVE_TOOL_FAILED` when it cannot be started, exits non-zero
 *   (unless `allowFailure`) or is stopped by `signal`.
 */
export async function runClientTool(run: ClientToolRun): Promise<ClientToolResult> {
  const libpq = await createLibpqEnvironment(run.url, run.database);
  const log = run.logger.child({ program: run.program, step: run.step });
  try {
    const env: Record<string, string | undefined> = Object.fromEntries(
      REDIRECTING.map((name) => [name, undefined]),
    );
    if (libpq.env['PGPASSFILE'] !== undefined) env['PGPASSWORD'] = undefined;
    // The CLI's own URL variables carry passwords the child has no use for.
    for (const name of CARRYING_URLS) env[name] = undefined;
    Object.assign(env, libpq.env, { PGAPPNAME: run.applicationName, PGCONNECT_TIMEOUT: '10' });
    // Loaded here, not at the top: every user of this library (validate, status, verify, the
    // loader) would otherwise pay for execa's ~250 modules, and only the native path runs tools.
    const { execa } = await import('execa');
    const child = execa(run.program, [...run.args], {
      env,
      extendEnv: true,
      stdin: 'ignore',
      stdout: run.stdoutFile === undefined ? 'ignore' : { file: run.stdoutFile },
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cancelSignal: run.signal,
      forceKillAfterDelay: 5_000,
    });
    const stderr: string[] = [];
    const lines = createInterface({ input: child.stderr, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const safe = redactText(line);
      log.debug({ line: safe }, 'client program output');
      stderr.push(safe);
      if (stderr.length > KEPT_STDERR_LINES) stderr.shift();
    });
    const closed = once(lines, 'close');
    const result = await child;
    await closed;
    const exitCode = result.exitCode;
    // allowFailure covers a program that ran and reported errors, never one that could not
    // start or was stopped.
    if (
      exitCode === 0 ||
      (run.allowFailure === true && exitCode !== undefined && !result.isCanceled)
    )
      return Object.freeze({ exitCode, stderr: Object.freeze(stderr) });
    throw toolError(run, result, stderr);
  } finally {
    await libpq.dispose();
  }
}

type ChildOutcome = Readonly<{
  exitCode?: number | undefined;
  signal?: string | undefined;
  isCanceled: boolean;
  code?: string | undefined;
}>;

function toolError(run: ClientToolRun, outcome: ChildOutcome, stderr: readonly string[]) {
  const shown = stderr.slice(-SHOWN_STDERR_LINES).join('\n');
  let what: string;
  let fix: string | undefined;
  if (outcome.code === 'ENOENT') {
    what = `${run.program} is not installed or not on PATH`;
    fix = `Install the PostgreSQL client programs (${run.program}) at least as new as both servers and put them on PATH.`;
  } else if (outcome.isCanceled) {
    what = `${run.program} was stopped`;
  } else if (outcome.signal !== undefined) {
    what = `${run.program} was killed by ${outcome.signal}`;
  } else {
    what = `${run.program} exited with code ${outcome.exitCode ?? 'unknown'}`;
  }
  return replicatorError(
    'REPL_NATIVE_TOOL_FAILED',
    `${run.step} of database ${run.database} failed: ${what}${shown === '' ? '' : `:\n${shown}`}`,
    {
      ...(fix === undefined ? {} : { fix }),
      details: { program: run.program, step: run.step, database: run.database },
    },
  );
}
