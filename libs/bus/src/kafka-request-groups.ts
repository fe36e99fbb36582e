/**
 * The messages of one `sendTopics` call cut into produce requests of bounded size. A broker
 * refuses a record batch (all of one partition's messages in a request) above its
 * `message.max.bytes`, 1 MiB by default, and batches go uncompressed by default: without a
 * bound, one flush of a few thousand changes would exceed it. Requests keep the call's order,
 * and are sent one after the other, so every partition keeps its order.
 */
import type { BusMessage, TopicMessages } from './bus.js';
import { messageSizeBytes } from './message-size.js';

/** Below the broker default `message.max.bytes` (1 MiB), leaving room for record overhead. */
export const KAFKA_REQUEST_MAX_BYTES = 900 * 1024;

/** Bytes a record adds besides key, value and headers (lengths, offsets, timestamps). */
const RECORD_OVERHEAD_BYTES = 32;

/**
 * `batches` as consecutive requests of at most `maxBytes` each (a single larger message goes
 * alone: the broker decides).
 */
export function kafkaRequestGroups(
  batches: readonly TopicMessages[],
  maxBytes = KAFKA_REQUEST_MAX_BYTES,
): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let request: { topic: string; messages: BusMessage[] }[] = [];
  let bytes = 0;
  for (const { topic, messages } of batches) {
    for (const message of messages) {
      const size = messageSizeBytes(message) + RECORD_OVERHEAD_BYTES;
      if (bytes > 0 && bytes + size > maxBytes) {
        requests.push(request);
        request = [];
        bytes = 0;
      }
      let last = request.at(-1);
      if (last?.topic !== topic) {
        last = { topic, messages: [] };
        request.push(last);
      }
      last.messages.push(message);
      bytes += size;
    }
  }
  if (request.length > 0) requests.push(request);
  return requests;
}
