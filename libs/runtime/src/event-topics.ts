import { isReplicatorError, parseEventTopic } from '@database-replicator/core';
import type { Bus } from '@database-replicator/bus';
import { partitionKey } from '@database-replicator/postgres';

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
  // Most topics of a shared broker belong to other prefixes: no parse (and no error) for them.
  if (!name.startsWith(`${prefix}.`)) return false;
  try {
    parseEventTopic(prefix, name);
    return true;
  } catch (error) {
    if (isReplicatorError(error, 'REPL_IDENTIFIER_INVALID')) return false;
    throw error;
  }
}

/** The end offset of every partition of the event topics of `prefix`, by `partitionKey`. */
export async function eventTopicEnds(bus: Bus, prefix: string): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  for (const topic of await listEventTopics(bus, prefix)) {
    (await bus.endOffsets(topic)).forEach((end, partition) => {
      ends.set(partitionKey(topic, partition), BigInt(end));
    });
  }
  return ends;
}
