/**
 * Which way `init` and `sync` replicate: native logical replication (PostgreSQL sources whose
 * target may create subscriptions) or the event pipeline (every other source, and targets that
 * may not create subscriptions, as most managed services). `--via` decides when given.
 */
import { replicatorError, type Secret } from '@database-replicator/core';
import { canCreateSubscription, connectPostgres } from '@database-replicator/postgres';
import { parseBusSpec, type BusSpec } from '@database-replicator/runtime';
import type { CommandContext } from './command-context.js';
import { requireEndpoints } from './endpoints.js';

/** The chosen route with what it needs. */
export type ReplicationRoute =
  | Readonly<{ via: 'native'; source: Secret; target: Secret }>
  | Readonly<{ via: 'pipeline'; bus: BusSpec }>;

/**
 * Reads `--via` and `--bus`, and when `--via` is absent picks the route from the source kind
 * and the target's privileges.
 *
 * @throws ReplicatorError `REPL_CLI_USAGE` (missing URL, bad `--via`, `--bus` with native),
 *   `REPL_CONFIG_INVALID` (bad `--bus`), and connection errors of the privilege check.
 */
export async function chooseReplicationRoute(
  ctx: CommandContext,
  command: string,
): Promise<ReplicationRoute> {
  const { source, target } = requireEndpoints(ctx.config, command);
  const { via, bus } = ctx.line.values;
  if (via !== undefined && via !== 'native' && via !== 'pipeline') {
    throw replicatorError('REPL_CLI_USAGE', `--via "${via}" is not native or pipeline`, {
      fix: 'Use --via native (PostgreSQL logical replication) or --via pipeline.',
    });
  }
  if (via === 'native' && bus !== undefined) {
    throw replicatorError('REPL_CLI_USAGE', '--bus applies to --via pipeline only', {
      fix: 'Leave out --bus: native replication needs no bus.',
    });
  }
  if (via === 'native' && source.kind !== 'postgres') {
    throw replicatorError(
      'REPL_CLI_USAGE',
      `--via native needs a PostgreSQL source; this one is ${source.kind}`,
      { fix: 'Leave out --via (the pipeline is chosen for this source) or use --via pipeline.' },
    );
  }
  const pipeline = (): ReplicationRoute => ({
    via: 'pipeline',
    bus: parseBusSpec(bus ?? 'memory', '--bus'),
  });
  if (via === 'pipeline' || bus !== undefined || source.kind !== 'postgres') return pipeline();
  if (via === 'native' || (await targetMaySubscribe(ctx, target.url))) {
    return { via: 'native', source: source.url, target: target.url };
  }
  ctx.logger.info(
    'the target role may not create subscriptions: replicating through the pipeline (--via native to insist)',
  );
  return pipeline();
}

async function targetMaySubscribe(ctx: CommandContext, target: Secret): Promise<boolean> {
  const client = await connectPostgres(target, { logger: ctx.logger });
  try {
    return await canCreateSubscription(client);
  } finally {
    await client.close();
  }
}
