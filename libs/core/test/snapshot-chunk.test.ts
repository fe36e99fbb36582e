/**
 * Snapshot chunks: the message a chunk is written as parses back into the same rows as `r`
 * events, and malformed chunks are refused with REPL_EVENT_INVALID naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { serializeSnapshotChunk, type ChangeSource } from '@database-replicator/core';
import { STREAM_SOURCE, decodedEvents, refusal } from './event-messages.js';

const SOURCE: ChangeSource = { ...STREAM_SOURCE, snapshot: 'true', ts_ms: 1 };

describe('snapshot chunks', () => {
  it('round-trip into r events with the chunk source, values in column order', () => {
    const rows = [
      JSON.stringify([1, 'a', null]),
      JSON.stringify(['9007199254740993', 'b', { k: [1] }]),
    ];
    const events = decodedEvents(serializeSnapshotChunk(SOURCE, 5, ['id', 'v', 'j'], rows));
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
