/**
 * The source and target a command works on. Every command that talks to both databases asks
 * here, so a missing URL reads the same everywhere.
 */
import { replicatorError, type ReplicatorConfig } from '@database-replicator/core';

type Endpoints = Readonly<{
  source: NonNullable<ReplicatorConfig['source']>;
  target: NonNullable<ReplicatorConfig['target']>;
}>;

/**
 * Both endpoints of the configuration.
 *
 * @throws ReplicatorError `REPL_CLI_USAGE` naming the missing one and how to pass it.
 */
export function requireEndpoints(config: ReplicatorConfig, command: string): Endpoints {
  const { source, target } = config;
  if (source === undefined || target === undefined) {
    const missing = source === undefined ? 'source' : 'target';
    throw replicatorError(
      'REPL_CLI_USAGE',
      `${command} needs a ${missing} database URL: --${missing} or DR_${missing.toUpperCase()}_URL`,
      {
        fix: `Set DR_${missing.toUpperCase()}_URL (the environment keeps the password out of the process list) or pass --${missing}.`,
        details: { configKey: missing },
      },
    );
  }
  return { source, target };
}

/**
 * Both endpoints of a PostgreSQL → PostgreSQL command.
 *
 * @throws ReplicatorError as {@link requireEndpoints}, and `REPL_NOT_IMPLEMENTED` for other
 *   source kinds.
 */
export function requirePostgresEndpoints(config: ReplicatorConfig, command: string): Endpoints {
  const endpoints = requireEndpoints(config, command);
  if (endpoints.source.kind !== 'postgres') {
    throw replicatorError(
      'REPL_NOT_IMPLEMENTED',
      `${command} from a ${endpoints.source.kind} source is not implemented yet`,
      { fix: `Use ${command} with a PostgreSQL source, or follow the project issues.` },
    );
  }
  return endpoints;
}
