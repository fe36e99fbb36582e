/**
 * `run <service>`: one service of the pipeline in the foreground, configured from the
 * environment only (DR_* variables, as the service's own binary reads them), so compose and
 * Kubernetes run every service from this one binary. Each service runs the same function as its
 * `services/<name>` main; its JSON log lines go to stderr. SIGINT/SIGTERM stop it cleanly and
 * the exit code is 0, as the service binaries do. The verifier alone takes flags, those of
 * services/verifier: `--once` (exit 0 equal, 1 different) and `--interval SECONDS`.
 */
import { replicatorError, type SourceKind } from '@database-replicator/core';
import {
  parseVerifyInterval,
  runCoordinatorFromEnv,
  runExtractorFromEnv,
  runLoaderFromEnv,
  runVerifierFromEnv,
} from '@database-replicator/runtime';
import { EXIT, type CommandContext, type CommandHandler } from '../command-context.js';

/** Runs a service; resolves to the exit code. */
type ServiceRunner = (ctx: CommandContext) => Promise<number>;

const logDestination = (ctx: CommandContext) => ({ write: (line: string) => ctx.io.stderr(line) });

/** `extractor-<kind>`: the same service for every source kind, refusing another kind's URL. */
const extractor =
  (sourceKind: SourceKind): ServiceRunner =>
  async (ctx) => {
    await runExtractorFromEnv(ctx.io.env, ctx.signal, {
      sourceKind,
      logDestination: logDestination(ctx),
    });
    return EXIT.ok;
  };

/** The verifier: with `--once`, exit 1 when the run found a difference (as services/verifier). */
const verifier: ServiceRunner = async (ctx) => {
  const interval = ctx.line.values.interval;
  const report = await runVerifierFromEnv(ctx.io.env, ctx.signal, {
    once: ctx.line.values.once === true,
    ...(interval === undefined
      ? {}
      : { intervalSeconds: parseVerifyInterval(interval, '--interval') }),
    logDestination: logDestination(ctx),
  });
  return report.lastOk === false ? EXIT.checkFailed : EXIT.ok;
};

/** The services this binary runs. */
const SERVICES: Readonly<Record<string, ServiceRunner>> = Object.freeze({
  coordinator: async (ctx) => {
    await runCoordinatorFromEnv(ctx.io.env, ctx.signal, { logDestination: logDestination(ctx) });
    return EXIT.ok;
  },
  'extractor-postgres': extractor('postgres'),
  'extractor-mysql': extractor('mysql'),
  'extractor-sqlite': extractor('sqlite'),
  'extractor-mongodb': extractor('mongodb'),
  loader: async (ctx) => {
    await runLoaderFromEnv(ctx.io.env, ctx.signal, { logDestination: logDestination(ctx) });
    return EXIT.ok;
  },
  verifier,
});

/** Flags a service takes; every other service takes none. */
const SERVICE_FLAGS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  verifier: ['once', 'interval'],
});

const KNOWN = Object.keys(SERVICES).join(', ');

export const runService: CommandHandler = async (ctx) => {
  const [name, ...extra] = ctx.line.positionals;
  const allowed = SERVICE_FLAGS[name ?? ''] ?? [];
  const given = Object.keys(ctx.line.values)
    .filter((flag) => !allowed.includes(flag))
    .map((flag) => `--${flag}`);
  if (given.length > 0) {
    throw replicatorError('REPL_CLI_USAGE', `"run" takes no options (got ${given.join(', ')})`, {
      fix: 'Configure the service through its DR_* environment variables (see the service README); only run verifier takes --once and --interval.',
    });
  }
  if (name === undefined || extra.length > 0) {
    throw replicatorError('REPL_CLI_USAGE', '"run" takes exactly one service name', {
      fix: `Run database-replicator run <service>, with <service> one of ${KNOWN}.`,
    });
  }
  const run = SERVICES[name];
  if (run === undefined) {
    throw replicatorError('REPL_CLI_USAGE', `Unknown service "${name}"`, {
      fix: `Run database-replicator run <service>, with <service> one of ${KNOWN}.`,
    });
  }
  return run(ctx);
};
