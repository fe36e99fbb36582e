/**
 * partitionForKey must choose the partition kafkajs's DefaultPartitioner chooses for the same key
 * (Kafka's Java partitioner): MemoryBus routes by it and the snapshot splits pages by it, so a key
 * stays on one partition whichever bus carries it.
 */
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/partition-for-key.js';

const { Partitioners } = kafkajs;

function kafkaPartition(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic: 't',
    partitionMetadata: Array.from({ length: partitions }, (_, id) => ({
      partitionId: id,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}

describe('partitionForKey', () => {
  // ASCII keys take a path without a Buffer; the others hash their UTF-8 bytes.
  const keys = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    '{"id":1}',
    '{"id":123456789012}',
    '{"tenant":"acme","id":"x-42"}',
    '\u007f\u0000\t',
    '{"name":"héllo"}',
    '{"name":"日本語"}',
    '{"emoji":"🦆"}',
    ...Array.from({ length: 200 }, (_, i) => `{"id":${i * 7919}}`),
  ];

  it.each([1, 2, 6, 13])('matches the Kafka default partitioner over %i partitions', (count) => {
    for (const key of keys)
      expect([key, partitionForKey(key, count)]).toEqual([key, kafkaPartition(key, count)]);
  });
});
