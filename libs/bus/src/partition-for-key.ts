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
  return (murmur2(utf8Bytes(key)) & 0x7fffffff) % partitions;
}

/**
 * `text`'s UTF-8 as a string of one char per byte. Runs for every row of a snapshot: an ASCII
 * key (the usual one) is that already, with no Buffer to allocate.
 */
function utf8Bytes(text: string): string {
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.from(text, 'utf8').toString('latin1');
  }
  return text;
}

function murmur2(bytes: string): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      bytes.charCodeAt(i) |
      (bytes.charCodeAt(i + 1) << 8) |
      (bytes.charCodeAt(i + 2) << 16) |
      (bytes.charCodeAt(i + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length % 4;
  if (rest >= 3) h ^= bytes.charCodeAt(whole + 2) << 16;
  if (rest >= 2) h ^= bytes.charCodeAt(whole + 1) << 8;
  if (rest >= 1) h = Math.imul(h ^ bytes.charCodeAt(whole), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
