import type { ExtractorBus, ExtractorProducer } from '@database-replicator/pipeline';

/**
 * `bus` as the extractor uses it, calling `onSent` with the number of messages of every send the
 * bus acknowledged: the extractor service's own count of what it sent, for heartbeats, status
 * and logs (the pipeline's progress counts rows of a table and events of a stream run).
 */
export function countingBus(bus: ExtractorBus, onSent: (messages: number) => void): ExtractorBus {
  const counted: ExtractorBus = {
    ensureTopics: (names, options) => bus.ensureTopics(names, options),
    producer: async () => {
      const producer = await bus.producer();
      const sendTopics = producer.sendTopics?.bind(producer);
      const counting: ExtractorProducer = {
        send: async (topic, messages) => {
          await producer.send(topic, messages);
          onSent(messages.length);
        },
        ...(sendTopics === undefined
          ? {}
          : {
              sendTopics: async (batches) => {
                await sendTopics(batches);
                onSent(batches.reduce((sum, batch) => sum + batch.messages.length, 0));
              },
            }),
        close: () => producer.close(),
      };
      return Object.freeze(counting);
    },
  };
  return Object.freeze(counted);
}
