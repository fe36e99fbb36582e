import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeValue } from '@database-replicator/core';

/** What a consumer sees: the encoded value after a trip through the wire. */
function overTheWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(encodeValue(value)));
}

describe('encodeValue', () => {
  it('keeps 64-bit integers exact as decimal strings', () => {
    expect(overTheWire(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(overTheWire(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(overTheWire(2n ** 53n + 1n)).toBe('9007199254740993');
    expect(BigInt(overTheWire(2n ** 53n + 1n) as string)).toBe(2n ** 53n + 1n);
  });

  it('passes driver text (exact decimals, microsecond timestamps) through untouched', () => {
    const decimal = '123456789012345678901234567890.123456789';
    const timestamp = '2024-02-29 23:59:59.123456';
    const timestamptz = '2024-02-29 23:59:59.123456+05:30';
    expect(overTheWire(decimal)).toBe(decimal);
    expect(overTheWire('-000000000000000000000000000001')).toBe('-000000000000000000000000000001');
    expect(overTheWire(timestamp)).toBe(timestamp);
    expect(overTheWire(timestamptz)).toBe(timestamptz);
  });

  it('encodes binary as base64 and decodes it back byte for byte', () => {
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 0x0a, 0x22]);
    const encoded = overTheWire(bytes);
    expect(encoded).toBe(bytes.toString('base64'));
    expect(decodeBase64(encoded as string).equals(bytes)).toBe(true);
    const view = new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4);
    expect(decodeBase64(encodeValue(view) as string)).toEqual(Buffer.from([8, 7, 6]));
    expect(encodeValue(Buffer.alloc(0))).toBe('');
  });

  it('encodes dates as ISO-8601 UTC', () => {
    expect(encodeValue(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 123)))).toBe(
      '2024-02-29T23:59:59.123Z',
    );
  });

  it('keeps JSON primitives and encodes nested structures recursively', () => {
    const value = {
      n: 1.5,
      s: 'x',
      b: true,
      nil: null,
      big: 12345678901234567890n,
      list: [1n, { blob: Buffer.from('hi') }],
    };
    expect(overTheWire(value)).toEqual({
      n: 1.5,
      s: 'x',
      b: true,
      nil: null,
      big: '12345678901234567890',
      list: ['1', { blob: 'aGk=' }],
    });
  });

  it('writes non-finite floats as PostgreSQL spells them', () => {
    expect(encodeValue(Number.NaN)).toBe('NaN');
    expect(encodeValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(encodeValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['an invalid date', new Date(Number.NaN)],
    ['a Map', new Map()],
    [
      'a class instance',
      new (class ObjectId {
        readonly id = 'x';
      })(),
    ],
    ['undefined inside an object', { a: undefined }],
  ])('rejects %s', (_label, value) => {
    expect(() => encodeValue(value)).toThrow(
      expect.objectContaining({ code: 'REPL_VALUE_UNSUPPORTED' }),
    );
  });

  it('rejects circular structures but allows shared ones', () => {
    const loop: Record<string, unknown> = {};
    loop['self'] = loop;
    expect(() => encodeValue(loop)).toThrow(
      expect.objectContaining({ code: 'REPL_VALUE_UNSUPPORTED' }),
    );
    const shared = { x: 1 };
    expect(encodeValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});

describe('decodeBase64', () => {
  it.each(['abc', 'ab=c', 'a b=', '****', 'YQ'])(
    'rejects %j instead of silently corrupting',
    (text) => {
      expect(() => decodeBase64(text)).toThrow(
        expect.objectContaining({ code: 'REPL_VALUE_INVALID' }),
      );
    },
  );
});
