/**
 * One pg_restore section into the target database: pre-data (tables, types, functions), data
 * (COPY, parallel), post-data (indexes, constraints, triggers: built after the rows are in,
 * which is much faster than maintaining them row by row).
 */
import type { Logger, Secret } from '@database-replicator/core';
import { runClientTool } from './client-tool.js';
import { buildRestoreArguments, type RestoreSection } from './tool-arguments.js';

/** Options of {@link restoreSection}. */
export type RestoreSectionOptions = Readonly<{
  target: Secret;
  database: string;
  directory: string;
  section: RestoreSection;
  jobs: number;
  clean: boolean;
  keepOwners: boolean;
  applicationName: string;
  logger: Logger;
  signal: AbortSignal;
}>;

/**
 * Restores one section of the dump in `directory`.
 *
 * @throws ReplicatorError `REPL_NATIVE_TOOL_FAILED` with pg_restore's last lines.
 */
export async function restoreSection(options: RestoreSectionOptions): Promise<void> {
  await runClientTool({
    program: 'pg_restore',
    args: buildRestoreArguments({
      directory: options.directory,
      database: options.database,
      jobs: options.jobs,
      section: options.section,
      clean: options.clean,
      keepOwners: options.keepOwners,
    }),
    url: options.target,
    database: options.database,
    applicationName: options.applicationName,
    step: `restore ${options.section}`,
    logger: options.logger,
    signal: options.signal,
  });
}
