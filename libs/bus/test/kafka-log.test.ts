/**
 * kafkajs's own log lines at our levels: an attempt of a retried request is a warning, a failure
 * nothing retries is an error, protocol chatter of `Connection` is debug.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { createLogger } from '@database-replicator/core';
import { kafkaLogCreator } from '../src/kafka-log.js';

const { logLevel } = kafkajs;

function levelsOf(entries: readonly { namespace: string; level: number; fields: object }[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = kafkaLogCreator(createLogger({ level: 'debug', destination }))(logLevel.DEBUG);
  for (const { namespace, level, fields } of entries) {
    log({
      namespace,
      level,
      label: 'ERROR',
      log: { timestamp: 'now', logger: 'kafkajs', message: 'Failed to send messages', ...fields },
    });
  }
  return lines.map((line) => (JSON.parse(line) as { level: number }).level);
}

describe('kafkaLogCreator', () => {
  it('logs a retried attempt as a warning and an unretried failure as an error', () => {
    expect(
      levelsOf([
        { namespace: 'Producer', level: logLevel.ERROR, fields: { retryCount: 0, retryTime: 50 } },
        { namespace: 'Producer', level: logLevel.ERROR, fields: {} },
        { namespace: 'Connection', level: logLevel.ERROR, fields: {} },
        { namespace: 'Consumer', level: logLevel.WARN, fields: {} },
      ]),
    ).toEqual([40, 50, 20, 40]);
  });
});
