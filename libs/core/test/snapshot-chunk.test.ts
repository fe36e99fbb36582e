/**
 * Snapshot chunks: the message a chunk is written as parses back into the same rows as `r`
 * events, and malformed chunks are refused with REPL_EVENT_INVALID naming the problem.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeEventMessage,
  isReplicatorError,
  serializeSnapshotChunk,
  type ChangeEvent,
  type ChangeSource,
} from '@database-replicator/core';

const SOURCE: ChangeSource = {
  connector: 'postgresql',
  name: 'app',
  db: 'app',
  schema: 'public',
  table: 'items',
  snapshot: 'true',
  position: { kind: 'postgres', lsn: '0/16B3748', txIndex: 0 },
  ts_ms: 1,
};

function deserializeEventMessage(text: string): readonly ChangeEvent[] {
  const message = decodeEventMessage(text);
  if (message.kind !== 'events') throw new Error(`decoded as ${message.kind}`);
  return message.events;
}

function refusal(text: string): string {
  try {
    deserializeEventMessage(text);
  } catch (error) {
    if (isReplicatorError(error, 'REPL_EVENT_INVALID')) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('snapshot chunks', () => {
  it('round-trip into r events with the chunk source, values in column order', () => {
    const rows = [
      JSON.stringify([1, 'a', null]),
      JSON.stringify(['9007199254740993', 'b', { k: [1] }]),
    ];
    const events = deserializeEventMessage(
      serializeSnapshotChunk(SOURCE, 5, ['id', 'v', 'j'], rows),
    );
    expect(events).toEqual([
      { op: 'r', before: null, after: { id: 1, v: 'a', j: null }, source: SOURCE, ts_ms: 5 },
      {
        op: 'r',
        before: null,
        after: { id: '9007199254740993', v: 'b', j: { k: [1] } },
        source: SOURCE,
        ts_ms: 5,
      },
    ]);
  });

  it('refuses rows of the wrong width, repeated columns and streamed sources', () => {
    expect(refusal(serializeSnapshotChunk(SOURCE, 5, ['id', 'v'], ['[1]']))).toMatch(
      /rows\[0\].*1 values for 2 columns/,
    );
    expect(refusal(serializeSnapshotChunk(SOURCE, 5, ['id', 'id'], ['[1,2]']))).toMatch(
      /names a column twice/,
    );
    expect(
      refusal(serializeSnapshotChunk({ ...SOURCE, snapshot: 'false' }, 5, ['id'], ['[1]'])),
    ).toMatch(/snapshot/);
    expect(refusal('{"op":"r","columns":["id"],"rows":[[1]]}')).toMatch(/source/);
    expect(refusal('{not json')).toMatch(/not valid JSON/);
  });
});
