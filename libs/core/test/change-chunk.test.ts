/**
 * Change chunks and in-process events: a chunk's message parses back into the same events it was
 * written from (TOAST-unchanged columns, every position kept), malformed chunks are refused with
 * REPL_EVENT_INVALID naming the event and field, and an in-process event is handed over as the
 * very object that was sent, with the same text as its per-event message when asked for it.
 */
import { describe, expect, it } from 'vitest';
import {
  LocalChangeChunk,
  LocalChangeEvent,
  isChunkableEvent,
  localEventMessage,
  serializeChangeChunk,
  serializeChangeEvent,
  serializeChunkEvent,
  type ChangeEvent,
  type ChangeSource,
} from '@database-replicator/core';
import { STREAM_SOURCE, decodedEvents, refusal } from './event-messages.js';

function at(txIndex: number): ChangeSource {
  return { ...STREAM_SOURCE, position: { kind: 'postgres', lsn: '0/16B3748', txIndex } };
}

const EVENTS: readonly ChangeEvent[] = [
  { op: 'c', before: null, after: { id: '1', doc: { a: [1, 'x'] } }, source: at(0), ts_ms: 5 },
  {
    op: 'u',
    before: { id: '1' },
    after: { id: '1', status: 'shipped' },
    source: at(1),
    ts_ms: 6,
    unchanged_columns: ['description'],
  },
  { op: 'd', before: { id: '2' }, after: null, source: at(2), ts_ms: 7 },
];

function chunkText(events: readonly ChangeEvent[]): string {
  return serializeChangeChunk(STREAM_SOURCE, events.map(serializeChunkEvent));
}

/** A chunk's text with its first event changed by `edit`. */
function withFirstEvent(edit: (event: Record<string, unknown>) => void): string {
  const value = JSON.parse(chunkText(EVENTS)) as { events: Record<string, unknown>[] };
  const [first] = value.events;
  if (first === undefined) throw new Error('empty chunk');
  edit(first);
  return JSON.stringify(value);
}

describe('change chunks', () => {
  it('parse back into the events they were written from, in order, frozen', () => {
    const events = decodedEvents(chunkText(EVENTS));
    expect(events).toEqual(EVENTS);
    expect(Object.isFrozen(events[1])).toBe(true);
    expect(Object.isFrozen(events[1]?.source)).toBe(true);
    expect(Object.isFrozen(events[1]?.after)).toBe(true);
    expect(events[1]?.unchanged_columns).toEqual(['description']);
    expect(events[1]?.after).not.toHaveProperty('description');
  });

  it('are smaller than the same events one per message', () => {
    const perEvent = EVENTS.map(serializeChangeEvent).join('').length;
    expect(chunkText(EVENTS).length).toBeLessThan(perEvent);
  });

  it('refuse malformed events, naming the event and field', () => {
    expect(refusal(withFirstEvent((e) => Reflect.deleteProperty(e, 'position')))).toMatch(
      /events\[0\]\.position/,
    );
    expect(refusal(withFirstEvent((e) => (e['op'] = 's')))).toMatch(/events\[0\]\.op/);
    expect(refusal(withFirstEvent((e) => (e['before'] = { id: '1' })))).toMatch(
      /events\[0\]\.before: must be null when op is 'c'/,
    );
    expect(refusal(withFirstEvent((e) => (e['after'] = [1])))).toMatch(/events\[0\]\.after/);
    expect(
      refusal(
        withFirstEvent((e) => {
          e['op'] = 'u';
          e['unchanged_columns'] = ['id'];
        }),
      ),
    ).toMatch(/events\[0\]\.unchanged_columns\[0\]: names "id", which is also present in after/);
    expect(
      refusal(
        withFirstEvent(
          (e) =>
            (e['position'] = { kind: 'mysql', gtidSet: '', file: 'b.1', pos: 1, eventIndex: 0 }),
        ),
      ),
    ).toMatch(/events\[0\]\.source\.position\.kind/);
    expect(refusal('{"change_chunk":{"connector":"postgresql"},"events":[]}')).toMatch(
      /Invalid change chunk/,
    );
  });

  it('decode the same events whichever check takes them (by hand, or the schema for the rest)', () => {
    // Shapes the quick check leaves to the schema, which strips unknown keys.
    const stripped = [
      withFirstEvent((e) => (e['extra'] = 1)),
      JSON.stringify({ ...(JSON.parse(chunkText(EVENTS)) as object), extra: true }),
      chunkText(EVENTS).replace('"change_chunk":{', '"change_chunk":{"extra":1,'),
    ];
    for (const text of stripped) expect(decodedEvents(text)).toEqual(EVENTS);
    const positions: readonly [ChangeSource['connector'], ChangeSource['position']][] = [
      [
        'mysql',
        { kind: 'mysql', gtidSet: '0-1-100', file: 'mariadb-bin.000004', pos: 7, eventIndex: 2 },
      ],
      ['sqlite', { kind: 'sqlite', sequence: '9223372036854775807' }],
      ['mongodb', { kind: 'mongodb', resumeToken: { _data: '8264' }, clusterTime: '7' }],
      ['mongodb', { kind: 'mongodb', refreshSequence: '3' }],
    ];
    for (const [connector, position] of positions) {
      const source: ChangeSource = { ...STREAM_SOURCE, connector, position };
      const events = EVENTS.map((event) => ({ ...event, source }));
      const text = serializeChangeChunk(source, events.map(serializeChunkEvent));
      expect(decodedEvents(text)).toEqual(events);
    }
    // Each refused, whichever check sees it first.
    const refused = [
      withFirstEvent((e) => (e['ts_ms'] = -1)),
      withFirstEvent((e) => (e['ts_ms'] = 5.5)),
      withFirstEvent((e) => (e['source_ts_ms'] = 2 ** 53)),
      withFirstEvent((e) => (e['position'] = { kind: 'postgres', lsn: '0-1', txIndex: 0 })),
      withFirstEvent((e) => (e['position'] = { kind: 'postgres', lsn: '0/1', txIndex: -1 })),
      withFirstEvent((e) => (e['position'] = { kind: 'postgres', lsn: '0/1', txIndex: 0, x: 1 })),
      withFirstEvent((e) => (e['position'] = { kind: 'sqlite', sequence: '9223372036854775808' })),
      withFirstEvent((e) => (e['unchanged_columns'] = [''])),
      chunkText(EVENTS).replace('"table":"items"', '"table":""'),
      chunkText(EVENTS).replace('"connector":"postgresql"', '"connector":"oracle"'),
    ];
    for (const text of refused) expect(refusal(text)).toMatch(/^Invalid change chunk: /);
  });

  it('carry streamed inserts, updates and deletes only', () => {
    const [first] = EVENTS;
    if (first === undefined) throw new Error('no event');
    expect(EVENTS.every(isChunkableEvent)).toBe(true);
    expect(isChunkableEvent({ ...first, source: { ...STREAM_SOURCE, snapshot: 'true' } })).toBe(
      false,
    );
    expect(
      isChunkableEvent({ op: 't', before: null, after: null, source: STREAM_SOURCE, ts_ms: 1 }),
    ).toBe(false);
  });
});

describe('in-process change events', () => {
  it('hand the loader the event object itself, and encode to the per-event message', () => {
    const [first] = EVENTS;
    if (first === undefined) throw new Error('no event');
    const local = new LocalChangeEvent(first);
    const message = localEventMessage(local);
    expect(message?.kind).toBe('events');
    expect(message?.kind === 'events' ? message.events[0] : undefined).toBe(first);
    expect(local.encode()).toBe(serializeChangeEvent(first));
    expect(local.sizeBytes).toBeGreaterThan(local.encode().length / 2);
    expect(local.sizeBytes).toBeLessThan(local.encode().length * 2);
  });

  it('gather in a chunk that hands over the objects and encodes to the text chunk', () => {
    const [first, ...rest] = EVENTS;
    if (first === undefined) throw new Error('no event');
    const local = new LocalChangeChunk(first);
    for (const event of rest) local.add(event);
    const message = localEventMessage(local);
    expect(message?.kind === 'events' ? message.events : undefined).toEqual(EVENTS);
    expect(message?.kind === 'events' ? message.events[0] : undefined).toBe(first);
    expect(local.encode()).toBe(chunkText(EVENTS));
    expect(decodedEvents(local.encode())).toEqual(EVENTS);
    expect(local.sizeBytes).toBeGreaterThan(local.encode().length / 2);
    expect(local.sizeBytes).toBeLessThan(local.encode().length * 2);
  });

  it('are recognised only as the class, never from text or look-alike objects', () => {
    expect(localEventMessage(undefined)).toBeUndefined();
    expect(localEventMessage({ event: EVENTS[0], sizeBytes: 1, encode: () => '' })).toBeUndefined();
  });
});
