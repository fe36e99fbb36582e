/**
 * Snapshot pages as COPY text (`COPY (SELECT … ORDER BY key LIMIT n) TO STDOUT`): the server's
 * own text output, which is exactly the text input the target needs for the same types, so rows
 * reach the target without being decoded (copy chunks, ARCHITECTURE §3). Only the key fields of
 * each line are decoded, to route rows to partitions and to resume after the last key. COPY takes
 * no parameters, so the resume key is spliced in as quoted literals.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { quoteIdent, quoteTable, type ChangeKey } from '@database-replicator/core';
import type {
  CopySnapshotPage,
  SnapshotReadOptions,
  SourceTable,
} from '@database-replicator/pipeline';
import { to as copyTo } from 'pg-copy-streams';
import { encodePgWireValue } from './pg-wire-value.js';
import { resumeKeyTexts, snapshotPageFailed, type SnapshotContext } from './snapshot.js';
import { wireTypeOf, type WireType } from './type-map.js';

type KeyField = Readonly<{ name: string; index: number; wire: WireType }>;

/**
 * COPY-text pages of `table`'s rows with a key greater than `after`.
 *
 * @throws ReplicatorError `REPL_VALUE_INVALID` when `after` lacks a key column,
 *   `REPL_SOURCE_QUERY_FAILED` when a page cannot be read.
 */
export async function* readCopySnapshotPages(
  context: SnapshotContext,
  table: SourceTable,
  after: ChangeKey | null,
  options: SnapshotReadOptions,
): AsyncGenerator<CopySnapshotPage> {
  const fields: KeyField[] = table.keyColumns.map((name) => ({
    name,
    index: table.columns.findIndex((column) => column.name === name),
    wire: wireTypeOf(context.typeOids.get(name) ?? 0),
  }));
  const pageRows = Math.max(1, Math.floor(options.pageRows));
  let lastKey = after;
  while (options.signal?.aborted !== true) {
    const copy = await readPage(context, table, fields, lastKey, pageRows);
    if (copy.length === 0) return;
    const keys = lineKeys(copy, fields);
    yield Object.freeze({ copy, keys });
    if (keys.length < pageRows) return;
    lastKey = keys[keys.length - 1] ?? null;
  }
}

async function readPage(
  context: SnapshotContext,
  table: SourceTable,
  fields: readonly KeyField[],
  after: ChangeKey | null,
  pageRows: number,
): Promise<string> {
  const keys = fields.map((field) => quoteIdent(field.name)).join(', ');
  const conditions = [
    ...(context.predicate === undefined ? [] : [`(${context.predicate})`]),
    ...(after === null ? [] : [`(${keys}) > (${keyLiterals(table, fields, after).join(', ')})`]),
  ];
  const select = `SELECT ${table.columns.map((column) => quoteIdent(column.name)).join(', ')}
      FROM ${quoteTable(table.id)}
      ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
     ORDER BY ${keys} LIMIT ${pageRows}`;
  try {
    return await context.pool.use(async (client) => {
      const parts: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          parts.push(chunk);
          done();
        },
      });
      await pipeline(client.query(copyTo(`COPY (${select}) TO STDOUT`)), sink);
      return Buffer.concat(parts).toString('utf8');
    });
  } catch (error) {
    throw snapshotPageFailed(context, table, error);
  }
}

/** The resume key as SQL literals, in the text the target writer would give the values. */
function keyLiterals(table: SourceTable, fields: readonly KeyField[], after: ChangeKey): string[] {
  const wireOf = (name: string): WireType =>
    fields.find((field) => field.name === name)?.wire ?? 'text';
  return resumeKeyTexts(table, wireOf, after).map((text) =>
    text === null ? 'NULL' : quoteLiteral(text),
  );
}

/** A string literal that means the same whatever standard_conforming_strings says. */
function quoteLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** Each line's key, decoded from its key fields as the JSON snapshot path encodes them. */
function lineKeys(copy: string, fields: readonly KeyField[]): ChangeKey[] {
  const keys: ChangeKey[] = [];
  const last = Math.max(...fields.map((field) => field.index));
  for (let start = 0; start < copy.length;) {
    const end = copy.indexOf('\n', start);
    const values = leadingFields(copy, start, end, last);
    const key: Record<string, ChangeKey[string]> = {};
    for (const field of fields) {
      key[field.name] = encodePgWireValue(unescapeField(values[field.index] ?? '\\N'), field.wire);
    }
    keys.push(key);
    start = end + 1;
  }
  return keys;
}

/** Fields 0..`last` of the line between `start` and `end`, still COPY-escaped. */
function leadingFields(copy: string, start: number, end: number, last: number): string[] {
  const values: string[] = [];
  let from = start;
  while (values.length <= last) {
    const tab = copy.indexOf('\t', from);
    const stop = tab === -1 || tab > end ? end : tab;
    values.push(copy.slice(from, stop));
    from = stop + 1;
  }
  return values;
}

const UNESCAPED: Readonly<Record<string, string>> = Object.freeze({
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
});

/** A COPY text field as text (`null` for `\N`); PostgreSQL's output uses only these escapes. */
function unescapeField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, char: string) => UNESCAPED[char] ?? char);
}
