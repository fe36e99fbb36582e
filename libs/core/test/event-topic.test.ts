import { describe, expect, it } from 'vitest';
import { eventTopic, parseEventTopic } from '@database-replicator/core';

describe('eventTopic', () => {
  it('joins prefix, source name, schema and table', () => {
    expect(eventTopic('dr', 'shop-primary', 'public', 'orders')).toBe(
      'dr.shop-primary.public.orders',
    );
    expect(eventTopic('acme.prod', 'shop', 'public', 'order_items')).toBe(
      'acme.prod.shop.public.order_items',
    );
  });

  it('escapes characters Kafka does not allow, and dots', () => {
    expect(eventTopic('dr', 'shop', 'sch ema', 'my.table')).toBe(
      'dr.shop.sch_x20_ema.my_x2E_table',
    );
    expect(eventTopic('dr', 'shop', 'public', 'café')).toBe('dr.shop.public.caf_xE9_');
    expect(eventTopic('dr', 'shop', 'public', '🚀')).toBe('dr.shop.public._x1F680_');
    expect(eventTopic('dr', 'shop', 'public', 'a_x41_')).toBe('dr.shop.public.a_x5F_x41_');
  });

  it('produces only Kafka-legal characters', () => {
    const topic = eventTopic('dr', 'src', 'Sch"ema', 'ta ble/🚀.x,y:z');
    expect(topic).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('is reversible for adversarial names', () => {
    const names = [
      'orders',
      'order_items',
      'my.table',
      'sch ema',
      'ta"ble',
      '_x',
      '__x_',
      'x_',
      '_x41_',
      'café',
      '🚀 launches',
      'SELECT',
      'a-b',
    ];
    for (const schema of names) {
      for (const table of names) {
        const topic = eventTopic('dr.test', 'source_x', schema, table);
        expect(topic).toMatch(/^[A-Za-z0-9._-]+$/);
        expect(parseEventTopic('dr.test', topic)).toEqual({
          sourceName: 'source_x',
          schema,
          table,
        });
      }
    }
  });

  it('rejects empty parts, bad prefixes and over-long topics', () => {
    const invalid = expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' });
    expect(() => eventTopic('dr', 'shop', '', 'orders')).toThrow(invalid);
    expect(() => eventTopic('', 'shop', 'public', 'orders')).toThrow(invalid);
    expect(() => eventTopic('dr..x', 'shop', 'public', 'orders')).toThrow(invalid);
    expect(() => eventTopic('d r', 'shop', 'public', 'orders')).toThrow(invalid);
    expect(() => eventTopic('dr', 'shop', 'public', 'x'.repeat(250))).toThrow(invalid);
  });

  it('rejects topics that are not ours when parsing', () => {
    const invalid = expect.objectContaining({ code: 'REPL_IDENTIFIER_INVALID' });
    expect(() => parseEventTopic('dr', 'other.shop.public.orders')).toThrow(invalid);
    expect(() => parseEventTopic('dr', 'dr.shop.orders')).toThrow(invalid);
    expect(() => parseEventTopic('dr', 'dr.shop.public.a_x5f_')).toThrow(invalid);
  });
});
