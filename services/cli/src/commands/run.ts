/**
 * `run <service>`: one service of the pipeline in the foreground, configured from the
 * environment only (DR_* variables, as the service's own binary reads them), so compose and
 * Kubernetes run every service from this one binary. Each service runs the same function as its
 * `services/<name>` main; its JSON log lines go to stderr. SIGINT/SIGTERM stop it cleanly and
 * the exit code is 0, as the service binaries do.
 */
import { replicatorError, type SourceKind } from '@database-replicator/core';
import {
  runCoordinatorFromEnv,
  runExtractorFromEnv,
  runLoaderFromEnv,
} from '@database-replicator/runtime';
import { EXIT, type CommandContext, type CommandHandler } from '../command-context.js';

type ServiceRunner = (ctx: CommandContext) => Promise<unknown>;

const logDestination = (ctx: CommandContext) => ({ write: (line: string) => ctx.io.stderr(line) });

/** `extractor-<kind>`: the same service for every source kind, refusing another kind's URL. */
const extractor =
  (sourceKind: SourceKind): ServiceRunner =>
  (ctx) =>
    runExtractorFromEnv(ctx.io.env, ctx.signal, {
      sourceKind,
      logDestination: logDestination(ctx),
    });

/** The services this binary runs. */
const SERVICES: Readonly<Record<string, ServiceRunner>> = Object.freeze({
  coordinator: (ctx) =>
    runCoordinatorFromEnv(ctx.io.env, ctx.signal, { logDestination: logDestination(ctx) }),
  'extractor-postgres': extractor('postgres'),
  'extractor-mysql': extractor('mysql'),
  'extractor-sqlite': extractor('sqlite'),
  'extractor-mongodb': extractor('mongodb'),
  loader: (ctx) =>
    runLoaderFromEnv(ctx.io.env, ctx.signal, { logDestination: logDestination(ctx) }),
});

/** Services of the design (CLI.md) that do not exist yet. */
const PLANNED = new Set(['verifier']);

const KNOWN = Object.keys(SERVICES).join(', ');

export const runService: CommandHandler = async (ctx) => {
  const given = Object.keys(ctx.line.values).map((name) => `--${name}`);
  if (given.length > 0) {
    throw replicatorError('REPL_CLI_USAGE', `"run" takes no options (got ${given.join(', ')})`, {
      fix: 'Configure the service through its DR_* environment variables (see the service README).',
    });
  }
  const [name, ...extra] = ctx.line.positionals;
  if (name === undefined || extra.length > 0) {
    throw replicatorError('REPL_CLI_USAGE', '"run" takes exactly one service name', {
      fix: `Run database-replicator run <service>, with <service> one of ${KNOWN}.`,
    });
  }
  const run = SERVICES[name];
  if (run === undefined) {
    throw PLANNED.has(name)
      ? replicatorError('REPL_NOT_IMPLEMENTED', `The ${name} service is not implemented yet`, {
          fix: `Run one of ${KNOWN}, or follow the project issues for ${name}.`,
        })
      : replicatorError('REPL_CLI_USAGE', `Unknown service "${name}"`, {
          fix: `Run database-replicator run <service>, with <service> one of ${KNOWN}.`,
        });
  }
  await run(ctx);
  return EXIT.ok;
};
