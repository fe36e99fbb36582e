import { describe, expect, it } from 'vitest';
import {
  BSON,
  Binary,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  type Document,
} from 'mongodb';
import { encodeDocument } from '@database-replicator/source-mongodb';

/** Every BSON type, including those FerretDB 1.24 refuses to store. */
const DOCUMENT: Document = {
  _id: new ObjectId('65f0c1a2b3c4d5e6f7a8b9c0'),
  int32: new Int32(7),
  int64: Long.fromString('-9223372036854775808'),
  double: new Double(5),
  negativeZero: new Double(-0),
  nan: new Double(Number.NaN),
  infinity: new Double(Number.NEGATIVE_INFINITY),
  decimal: Decimal128.fromString('123456789012345678901234.5678901234'),
  date: new Date(-62_135_596_800_000),
  binary: new Binary(Buffer.from([0, 255]), 3),
  timestamp: new Timestamp({ t: 4_294_967_295, i: 4_294_967_295 }),
  regex: new BSONRegExp('a|b', 'iu'),
  nestedArrays: [[new Int32(1), [Long.fromNumber(2)]], []],
  nested: { b: { c: null }, a: [{}] },
  minKey: new MinKey(),
  maxKey: new MaxKey(),
  code: new Code('return 1'),
  nothing: null,
};

describe('encodeDocument', () => {
  it('round-trips every BSON type through JSON text exactly, types and key order included', () => {
    const { json } = encodeDocument(DOCUMENT, 'db.c _id x');
    const back = BSON.EJSON.parse(JSON.stringify(json), { relaxed: false });
    expect(BSON.EJSON.stringify(back, { relaxed: false })).toBe(
      BSON.EJSON.stringify(DOCUMENT, { relaxed: false }),
    );
    expect(back['int32']).toBeInstanceOf(Int32);
    expect(back['double']).toBeInstanceOf(Double);
    expect(Object.is((back['negativeZero'] as Double).value, -0)).toBe(true);
    expect(back['decimal']).toEqual(DOCUMENT['decimal']);
  });

  it('hashes content, types and key order', () => {
    const hash = (document: Document): string => encodeDocument(document, 'x').hash;
    expect(hash({ a: new Int32(1) })).toBe(hash({ a: new Int32(1) }));
    expect(hash({ a: new Int32(1) })).not.toBe(hash({ a: new Double(1) }));
    expect(hash({ a: new Int32(1), b: null })).not.toBe(hash({ b: null, a: new Int32(1) }));
  });

  it('refuses NUL characters anywhere, but not an escaped backslash before u0000', () => {
    expect(() => encodeDocument({ s: 'a\u0000' }, 'db.c _id 1')).toThrow(
      expect.objectContaining({ code: 'REPL_MONGO_VALUE_UNSUPPORTED' }),
    );
    expect(() => encodeDocument({ 'k\u0000': 1 }, 'db.c _id 1')).toThrow(
      expect.objectContaining({ code: 'REPL_MONGO_VALUE_UNSUPPORTED' }),
    );
    expect(encodeDocument({ s: '\\u0000' }, 'db.c _id 1').json).toEqual({ s: '\\u0000' });
  });
});
