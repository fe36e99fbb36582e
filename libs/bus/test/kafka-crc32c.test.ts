/**
 * useNativeCrc32c relies on how kafkajs (pinned) loads its record-batch checksum; these tests fail
 * if a new kafkajs moves the module or stops reading the function from it, and check that the
 * native checksum is the one Kafka expects.
 */
import { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import { KafkaBus } from '../src/kafka-bus.js';
import { useNativeCrc32c } from '../src/kafka-crc32c.js';

const require = createRequire(import.meta.url);
const CRC32C_MODULE = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
const ENCODER_MODULE = require.resolve('kafkajs/src/protocol/recordBatch/v0/index.js');
const jsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (
  buffer: Buffer,
) => number;

type RecordBatch = (options: {
  records: unknown[];
  firstTimestamp: number;
  maxTimestamp: number;
}) => Promise<{ buffer: Buffer }>;

// FirstOffset int64, Length int32, PartitionLeaderEpoch int32, Magic int8, then the CRC over
// everything after it.
const CRC_AT = 17;

/** Loads kafkajs's record-batch encoder afresh, as its first produce request does. */
function freshRecordBatch(): RecordBatch {
  Reflect.deleteProperty(require.cache, ENCODER_MODULE);
  return (require(ENCODER_MODULE) as { RecordBatch: RecordBatch }).RecordBatch;
}

async function encodedBatch(): Promise<Buffer> {
  const batch = await freshRecordBatch()({ records: [], firstTimestamp: 1, maxTimestamp: 2 });
  return batch.buffer;
}

describe('useNativeCrc32c', () => {
  const original: unknown = require(CRC32C_MODULE);
  afterEach(() => {
    const cached = require.cache[CRC32C_MODULE];
    if (cached !== undefined) cached.exports = original;
    Reflect.deleteProperty(require.cache, ENCODER_MODULE);
  });

  it('replaces the module kafkajs reads its checksum from when a KafkaBus is made', () => {
    new KafkaBus({ brokers: ['127.0.0.1:9'], logger: createLogger({ level: 'silent' }) });
    expect(require(CRC32C_MODULE)).toBe(crc32c);
  });

  it('is the function the record-batch encoder then calls', async () => {
    const cached = require.cache[CRC32C_MODULE];
    if (cached === undefined) throw new Error('kafkajs checksum module not loaded');
    cached.exports = () => 0x5eed;
    expect((await encodedBatch()).readUInt32BE(CRC_AT)).toBe(0x5eed);
  });

  it('writes the checksum kafkajs would have written', async () => {
    useNativeCrc32c();
    const batch = await encodedBatch();
    expect(batch.readUInt32BE(CRC_AT)).toBe(jsCrc32c(batch.subarray(CRC_AT + 4)));
    for (const length of [0, 1, 7, 8, 9, 63, 4096, 100_003]) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 2654435761) >>> 13));
      expect(crc32c(bytes)).toBe(jsCrc32c(bytes));
    }
  });
});
