import { isReplicatorError, parseEventTopic } from '@database-replicator/core';
import type { Bus } from '@database-replicator/bus';

/**
 * The event topics of `prefix` on the bus, sorted: names that parse as
 * `<prefix>.<source>.<schema>.<table>`. Other topics (the dead-letter topic, other prefixes',
 * Kafka's own) are left out.
 */
export async function listEventTopics(bus: Bus, prefix: string): Promise<readonly string[]> {
  const names = await bus.listTopics();
  return Object.freeze(names.filter((name) => isEventTopic(prefix, name)));
}

function isEventTopic(prefix: string, name: string): boolean {
  try {
    parseEventTopic(prefix, name);
    return true;
  } catch (error) {
    if (isReplicatorError(error, 'REPL_IDENTIFIER_INVALID')) return false;
    throw error;
  }
}
