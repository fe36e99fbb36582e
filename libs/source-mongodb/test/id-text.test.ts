import { describe, expect, it } from 'vitest';
import { BSON, Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'mongodb';
import { afterIdFilter, idFromText, idText, typeRank } from '@database-replicator/source-mongodb';

const HEX = '65f0c1a2b3c4d5e6f7a8b9c0';

describe('idText', () => {
  it.each([
    ['ObjectId', new ObjectId(HEX), HEX],
    ['plain string', 'order-17', 'order-17'],
    ['string that looks like an ObjectId', HEX, `"${HEX}"`],
    ['string that looks like JSON', '{"a":1}', '"{\\"a\\":1}"'],
    ['string starting with a quote', '"x', '"\\"x"'],
    ['string true', 'true', '"true"'],
    ['Int32', new Int32(5), '{"$numberInt":"5"}'],
    ['Int64', Long.fromNumber(5), '{"$numberLong":"5"}'],
    ['Double', new Double(5), '{"$numberDouble":"5.0"}'],
    ['Decimal128', Decimal128.fromString('1.10'), '{"$numberDecimal":"1.10"}'],
    ['Date', new Date(1_700_000_000_000), '{"$date":{"$numberLong":"1700000000000"}}'],
    ['boolean', true, 'true'],
    ['null', null, 'null'],
    ['document', { a: new Int32(1) }, '{"a":{"$numberInt":"1"}}'],
  ])('writes a %s _id in its canonical text form and reads it back', (_label, id, text) => {
    expect(idText(id)).toBe(text);
    const back = idFromText(text);
    expect(BSON.EJSON.stringify(back, { relaxed: false })).toBe(
      BSON.EJSON.stringify(id, { relaxed: false }),
    );
  });

  it('never gives two different _id values the same text', () => {
    const ids = [
      new ObjectId(HEX),
      HEX,
      'true',
      true,
      'null',
      null,
      new Int32(5),
      '{"$numberInt":"5"}',
      Long.fromNumber(5),
      new Binary(Buffer.from('ab')),
      new Timestamp({ t: 1, i: 2 }),
    ];
    expect(new Set(ids.map((id) => idText(id))).size).toBe(ids.length);
  });
});

describe('afterIdFilter', () => {
  it('also asks for every type that sorts after the key, since $gt is type-bracketed', () => {
    expect(afterIdFilter(new Int32(5))).toEqual({
      $or: [
        { _id: { $gt: new Int32(5) } },
        {
          _id: {
            $type: [
              'string',
              'object',
              'array',
              'binData',
              'objectId',
              'bool',
              'date',
              'timestamp',
              'regex',
            ],
          },
        },
      ],
    });
    expect(afterIdFilter(new BSON.MaxKey())).toEqual({ _id: { $gt: new BSON.MaxKey() } });
  });

  it('ranks values in MongoDB sort order', () => {
    const ordered = [
      new BSON.MinKey(),
      null,
      new Double(1.5),
      'a',
      { a: 1 },
      new Binary(Buffer.from('x')),
      new ObjectId(HEX),
      false,
      new Date(0),
      new Timestamp({ t: 1, i: 1 }),
      new BSON.BSONRegExp('a', 'i'),
      new BSON.MaxKey(),
    ];
    const ranks = ordered.map((value) => typeRank(value));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
    expect(typeRank(new Int32(1))).toBe(typeRank(Long.fromNumber(1)));
  });
});
