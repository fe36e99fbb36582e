import type { BusHeaders, BusMessage, TopicMessages } from './bus.js';

/**
 * `batches` with a producer's headers on every message (a message's own header of the same name
 * wins); the same array when the producer has none, so producers without headers pay nothing.
 */
export function withProducerHeaders(
  batches: readonly TopicMessages[],
  headers: BusHeaders,
): readonly TopicMessages[] {
  if (Object.keys(headers).length === 0) return batches;
  return batches.map(({ topic, messages }) => ({
    topic,
    messages: messages.map((message): BusMessage => ({
      ...message,
      headers: { ...headers, ...message.headers },
    })),
  }));
}
