/**
 * The hashes of libs/postgres canonical-sql.ts computed in Node, for sources whose canonical row
 * texts are assembled in Node (MySQL JSON columns, SQLite): a range's digest is the MD5 of its
 * row texts joined by U+001E in key order, a single row's hash the first 60 bits of the MD5 of
 * its text. Pure.
 */
import { createHash, hash } from 'node:crypto';

/** Joins the rows of a range in its digest. */
export const ROW_SEPARATOR = '\u001e';

// Row texts are handed to the hash in batches of about this many UTF-16 units: one native call
// per row costs more than the hashing itself.
const BATCH_CHARS = 1 << 16;

/** `('x' || substr(md5(text), 1, 15))::bit(60)::bigint` of PostgreSQL. */
export function rowHash60(text: string): bigint {
  return hash('md5', text, 'buffer').readBigUInt64BE(0) >> 4n;
}

/** A range's digest, fed row by row in key order; see {@link createRangeDigest}. */
export type RangeDigest = {
  /** Adds the next row's canonical text (or one part of it). */
  add(text: string): void;
  /** Rows added so far. */
  readonly rows: number;
  /** The MD5 in lower-case hex; '' when no row was added. Call once. */
  hex(): string;
};

/** An empty range digest. */
export function createRangeDigest(): RangeDigest {
  const md5 = createHash('md5');
  let pending = '';
  let rows = 0;
  return {
    add(text: string) {
      pending = rows === 0 ? text : `${pending}${ROW_SEPARATOR}${text}`;
      rows += 1;
      if (pending.length >= BATCH_CHARS) {
        md5.update(pending, 'utf8');
        pending = '';
      }
    },
    get rows() {
      return rows;
    },
    hex() {
      if (rows === 0) return '';
      md5.update(pending, 'utf8');
      return md5.digest('hex');
    },
  };
}
