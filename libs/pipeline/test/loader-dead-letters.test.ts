/**
 * The bus-backed dead-letter sink: what a letter looks like on the dead-letter topic, checked
 * against a recording producer (the real bus round trip is in test/integration/loader).
 */
import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_CODE_HEADER,
  createBusDeadLetterSink,
  deadLetterTopic,
  type DeadLetterProducer,
} from '@database-replicator/pipeline';

type Sent = { topic: string; messages: Parameters<DeadLetterProducer['send']>[1] };

describe('createBusDeadLetterSink', () => {
  it('sends the letter as JSON under the original key with the code as a header', async () => {
    const sent: Sent[] = [];
    const producer: DeadLetterProducer = {
      send: async (topic, messages) => void sent.push({ topic, messages }),
    };
    const sink = createBusDeadLetterSink(producer, deadLetterTopic('acme.prod'));
    const before = Date.now();
    await sink.send({
      topic: 'acme.prod.src.public.items',
      partition: 3,
      offset: '42',
      key: '{"id":7}',
      value: '{not json',
      reason: 'the message is not valid JSON',
      code: 'REPL_EVENT_INVALID',
    });
    expect(sent).toHaveLength(1);
    const [only] = sent;
    expect(only?.topic).toBe('acme.prod.dead-letters');
    expect(only?.messages).toHaveLength(1);
    const message = only?.messages[0];
    expect(message?.key).toBe('{"id":7}');
    expect(message?.headers).toEqual({ [DEAD_LETTER_CODE_HEADER]: 'REPL_EVENT_INVALID' });
    const value: unknown = JSON.parse(message?.value ?? 'null');
    expect(value).toEqual({
      topic: 'acme.prod.src.public.items',
      partition: 3,
      offset: '42',
      key: '{"id":7}',
      value: '{not json',
      reason: 'the message is not valid JSON',
      code: 'REPL_EVENT_INVALID',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const at =
      typeof value === 'object' && value !== null && 'at' in value && typeof value.at === 'string'
        ? Date.parse(value.at)
        : Number.NaN;
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('keeps a null key and value (a tombstone-like letter) as null', async () => {
    const sent: Sent[] = [];
    const sink = createBusDeadLetterSink(
      { send: async (topic, messages) => void sent.push({ topic, messages }) },
      'dr.dead-letters',
    );
    await sink.send({
      topic: 't',
      partition: 0,
      offset: '0',
      key: null,
      value: null,
      reason: 'r',
      code: 'REPL_LOADER_TABLE_UNKNOWN',
    });
    expect(sent[0]?.messages[0]?.key).toBeNull();
    expect(JSON.parse(sent[0]?.messages[0]?.value ?? '{}')).toMatchObject({
      key: null,
      value: null,
    });
  });

  it('names the dead-letter topic after the prefix', () => {
    expect(deadLetterTopic('dr')).toBe('dr.dead-letters');
  });
});
