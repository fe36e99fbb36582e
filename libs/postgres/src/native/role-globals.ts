/**
 * The source cluster's roles, applied to the target so that restored objects keep their owners
 * and privileges. Passwords are left out (`--no-role-passwords`): they would pass through a file
 * and psql, and a migration must not copy credentials silently; set them on the target where
 * needed. Roles that already exist are fine (their attributes are updated by the ALTER ROLE
 * that follows each CREATE ROLE); any other error means the roles could not be applied, and the
 * restore then drops owners and privileges instead of failing on a missing role.
 */
import { join } from 'node:path';
import type { Logger, Secret } from '@database-replicator/core';
import { runClientTool } from './client-tool.js';
import { quoteConninfoValue } from './conninfo.js';

/** Options of {@link applyRoleGlobals}. */
export type RoleGlobalsOptions = Readonly<{
  source: Secret;
  sourceDatabase: string;
  target: Secret;
  targetDatabase: string;
  /** Directory for the roles script (no passwords in it). */
  workDir: string;
  applicationName: string;
  logger: Logger;
  signal: AbortSignal;
}>;

/** Outcome: whether every role could be applied, and the errors that were not "already exists". */
export type RoleGlobalsResult = Readonly<{ applied: boolean; errors: readonly string[] }>;

// psql with VERBOSITY=verbose prints "ERROR:  <SQLSTATE>: message"; 42710 is duplicate_object.
const ERROR_LINE = /ERROR:\s+([0-9A-Z]{5}):/;
const DUPLICATE_OBJECT = '42710';

/** Dumps the source's roles and applies them to the target. */
export async function applyRoleGlobals(options: RoleGlobalsOptions): Promise<RoleGlobalsResult> {
  const script = join(options.workDir, 'roles.sql');
  await runClientTool({
    program: 'pg_dumpall',
    // As a conninfo string, so a database name with `=` in it is never parsed as one.
    args: [
      '--roles-only',
      '--no-role-passwords',
      `--dbname=dbname=${quoteConninfoValue(options.sourceDatabase)}`,
    ],
    url: options.source,
    database: options.sourceDatabase,
    applicationName: options.applicationName,
    step: 'dump roles',
    logger: options.logger,
    signal: options.signal,
    stdoutFile: script,
  });
  const result = await runClientTool({
    program: 'psql',
    args: ['-X', '-q', '-v', 'ON_ERROR_STOP=0', '-v', 'VERBOSITY=verbose', '-f', script],
    url: options.target,
    database: options.targetDatabase,
    applicationName: options.applicationName,
    step: 'apply roles',
    logger: options.logger,
    signal: options.signal,
    allowFailure: true,
  });
  const errors = result.stderr.filter((line) => {
    const code = ERROR_LINE.exec(line)?.[1];
    return code !== undefined && code !== DUPLICATE_OBJECT;
  });
  if (result.exitCode !== 0 && errors.length === 0)
    errors.push(`psql exited with code ${result.exitCode}`);
  return Object.freeze({ applied: errors.length === 0, errors: Object.freeze(errors) });
}
