/**
 * Kafka's default partitioner for keyed messages: murmur2 (the Java client's variant, seed
 * 0x9747b28c) of the key's UTF-8 bytes, made positive with `& 0x7fffffff`, modulo the partition
 * count. kafkajs's `Partitioners.DefaultPartitioner` computes the same; MemoryBus uses this, so a
 * key lands on the same partition on either bus.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * The partition of `key` in a topic of `partitions` partitions, as Kafka's default partitioner
 * chooses it.
 *
 * @param key - The message key (UTF-8).
 * @param partitions - Partition count of the topic, at least 1.
 */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] ?? 0) |
      ((data[i + 1] ?? 0) << 8) |
      ((data[i + 2] ?? 0) << 16) |
      ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length % 4;
  if (rest >= 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (rest >= 1) h = Math.imul(h ^ (data[whole] ?? 0), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
