/**
 * The commands of `database-replicator` and their help text (CLI.md is the reference). A command's
 * module, and the drivers it imports, load only when that command runs: `--help` and one command
 * do not pay for all of them.
 */
import type { CommandHandler } from './command-context.js';
import { loadModule } from './load-module.js';

export type CommandName = 'validate' | 'init' | 'sync' | 'status' | 'verify' | 'cutover' | 'run';

export interface CommandSpec {
  readonly name: CommandName;
  readonly summary: string;
  readonly usage: string;
  readonly run: CommandHandler;
}

const FILTER_OPTIONS = `Filters:
  --include-tables a,b        replicate only these ([db.][schema.]table)
  --exclude-tables a,b        replicate everything but these
  --schema-only-tables a,b    create these tables, copy no rows
  --table-filter "t:SQL"      only rows matching the predicate (repeatable)
  --time-filter "t:col:N unit"  only rows newer than N units (repeatable)
  --config file.toml          the same rules as TOML`;

export const COMMANDS: readonly CommandSpec[] = Object.freeze([
  {
    name: 'validate',
    run: lazyCommand('validate', async () => (await import('./commands/validate.js')).runValidate),
    summary: 'check every prerequisite on both sides, with the fix for each failure',
    usage: `database-replicator validate --source URL --target URL [filters] [--json]\n\n${FILTER_OPTIONS}`,
  },
  {
    name: 'init',
    run: lazyCommand('init', async () => (await import('./commands/init.js')).runInit),
    summary: 'create the schema and copy the data; --enable-sync continues into sync',
    usage: `database-replicator init --source URL --target URL [--enable-sync] [--jobs N]
    [--via native|pipeline] [--bus memory|kafka://host:port] [--metrics-port PORT]
    [--drop-existing] [-y] [filters]\n\n${FILTER_OPTIONS}`,
  },
  {
    name: 'sync',
    run: lazyCommand('sync', async () => (await import('./commands/sync.js')).runSync),
    summary: '(re)start continuous sync from the last checkpoint',
    usage:
      'database-replicator sync --source URL --target URL [--via native|pipeline] [--bus ...] [--metrics-port PORT]',
  },
  {
    name: 'status',
    run: lazyCommand('status', async () => (await import('./commands/status.js')).runStatus),
    summary: 'phase, progress, lag and errors per table',
    usage:
      'database-replicator status (--source URL --target URL [--bus kafka://host:port] | --coordinator URL) [--watch] [--json]',
  },
  {
    name: 'verify',
    run: lazyCommand('verify', async () => (await import('./commands/verify.js')).runVerify),
    summary: 'compare source and target by key-range checksums',
    usage:
      'database-replicator verify --source URL --target URL [--tables a,b] [--repair]\n    [--mask-columns table:col1,col2]... [--json]',
  },
  {
    name: 'cutover',
    run: lazyCommand('cutover', async () => (await import('./commands/cutover.js')).runCutover),
    summary: 'wait for zero lag, advance sequences, stop replication',
    usage:
      'database-replicator cutover --source URL --target URL [--max-lag BYTES] [--wait-timeout SECONDS] [--drop-slot] [--json] [-y]',
  },
  {
    name: 'run',
    run: lazyCommand('run', async () => (await import('./commands/run.js')).runService),
    summary: 'run one pipeline service, configured from the environment',
    usage:
      'database-replicator run <extractor-postgres|extractor-mysql|extractor-mongodb|extractor-sqlite|loader|coordinator>\n    database-replicator run verifier [--once] [--interval SECONDS]',
  },
]);

/** A handler that loads the command's module on its first run. */
function lazyCommand(name: CommandName, load: () => Promise<CommandHandler>): CommandHandler {
  return async (context) => {
    const run = await loadModule(`the ${name} command`, load);
    return run(context);
  };
}

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
