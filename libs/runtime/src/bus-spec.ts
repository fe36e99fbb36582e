/**
 * Which bus a service or the CLI uses, as written by the operator: `memory` (the in-process bus
 * of one CLI run) or `kafka://host:port[,host:port]` (bootstrap brokers).
 */
import { replicatorError } from '@database-replicator/core';

/** A parsed bus choice; see {@link parseBusSpec}. */
export type BusSpec =
  Readonly<{ kind: 'memory' }> | Readonly<{ kind: 'kafka'; brokers: readonly string[] }>;

const KAFKA_SCHEME = 'kafka://';
// A host name, IPv4 address or bracketed IPv6 address, then a port.
const BROKER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$/;

/** The form {@link parseBusSpec} accepts, for messages. */
export const BUS_SPEC_FORMS = 'memory or kafka://host:port[,host:port]';

/**
 * Parses `memory` or `kafka://host:port[,host:port]`.
 *
 * @param text - The value as written.
 * @param where - Where it was written, for the message (`DR_BUS`, `--bus`).
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming `where`, the part that is wrong and the
 *   accepted forms.
 */
export function parseBusSpec(text: string, where: string): BusSpec {
  const value = text.trim();
  if (value === 'memory') return Object.freeze({ kind: 'memory' });
  if (!value.startsWith(KAFKA_SCHEME)) {
    throw invalid(where, `"${value}" is neither "memory" nor a kafka:// address`);
  }
  const brokers = value
    .slice(KAFKA_SCHEME.length)
    .split(',')
    .map((broker) => broker.trim());
  for (const broker of brokers) {
    const port = BROKER.exec(broker)?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
      throw invalid(where, `broker "${broker}" is not host:port`);
    }
  }
  return Object.freeze({ kind: 'kafka', brokers: Object.freeze(brokers) });
}

function invalid(where: string, problem: string) {
  return replicatorError('REPL_CONFIG_INVALID', `Invalid bus in ${where}: ${problem}`, {
    fix: `Set ${where} to ${BUS_SPEC_FORMS}, e.g. kafka://127.0.0.1:9092.`,
    details: { configKey: where },
  });
}
