/**
 * Secondary indexes of a MySQL table as PostgreSQL DDL for the target, run once the table's
 * snapshot is loaded. MySQL index names are unique per table, PostgreSQL's per schema, so the
 * target name is `<table>_<index>` (cut to 63 bytes with a hash suffix when longer). Indexes
 * PostgreSQL cannot build the same way are left out (docs/type-mapping.md): FULLTEXT and
 * SPATIAL, prefix parts (`col(10)`), functional parts, and parts on generated columns.
 */
import { createHash } from 'node:crypto';
import { quoteIdent, quoteTable, type TableId } from '@database-replicator/core';
import type { MysqlIndexInfo } from './introspect.js';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
const MAX_NAME_BYTES = 63;

/**
 * `CREATE [UNIQUE] INDEX IF NOT EXISTS …` for `index` of table `id`, or `undefined` when the
 * index cannot be reproduced.
 *
 * @param replicated - The table's replicated (non-generated) columns.
 */
export function secondaryIndexDdl(
  id: TableId,
  index: MysqlIndexInfo,
  replicated: ReadonlySet<string>,
): string | undefined {
  if (index.type === 'FULLTEXT' || index.type === 'SPATIAL') return undefined;
  const parts: string[] = [];
  for (const part of index.parts) {
    if (part.column === null || part.subPart !== null || !replicated.has(part.column)) {
      return undefined;
    }
    parts.push(`${quoteIdent(part.column)}${part.descending ? ' DESC' : ''}`);
  }
  const unique = index.unique ? 'UNIQUE ' : '';
  const name = quoteIdent(targetIndexName(id.table, index.name));
  return `CREATE ${unique}INDEX IF NOT EXISTS ${name} ON ${quoteTable(id)} (${parts.join(', ')})`;
}

/** `<table>_<index>`, at most 63 bytes: longer names keep a prefix and 8 hex digits of a hash. */
export function targetIndexName(table: string, index: string): string {
  const name = `${table}_${index}`;
  if (Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let prefix = '';
  for (const char of name) {
    if (Buffer.byteLength(`${prefix}${char}`, 'utf8') > MAX_NAME_BYTES - 9) break;
    prefix += char;
  }
  return `${prefix}_${hash}`;
}
