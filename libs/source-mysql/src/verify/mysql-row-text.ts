/**
 * The canonical row text of a MySQL/MariaDB table (libs/postgres canonical-sql.ts): each
 * column's piece (`N`, or `v` and its canonical text), the pieces of the columns MariaDB can
 * render in SQL first (the "SQL part"), then those of the JSON columns (the "JSON part", rendered
 * in Node by jsonb-text.ts), all joined by U+001F. A range of a table with JSON columns is hashed
 * by its two parts separately, so that the SQL part never leaves MariaDB: only the raw JSON
 * documents are sent, one string per range. Valid JSON holds no raw control character, so
 * U+001E and U+001F cannot occur inside a document. Pure.
 */
import { createHash } from 'node:crypto';
import { quoteMysqlIdent } from '@database-replicator/core';
import type { MysqlWireColumn } from '../mysql-wire-value.js';
import { jsonDocumentText } from './json-document-text.js';
import { mysqlCanonicalPiece } from './mysql-canonical-sql.js';
import { createRangeDigest, ROW_SEPARATOR } from '@database-replicator/pipeline';

/** Joins the pieces of a row. */
const PIECE_SEPARATOR = '\u001f';

/** How a table's rows are rendered. */
export type MysqlRowLayout = Readonly<{
  /** The SQL part as one expression (never NULL). */
  sqlPart: string;
  /** Per JSON column, its raw document as text (NULL for SQL NULL), in column order. */
  jsonCells: readonly string[];
  /**
   * The JSON cells of a row as one expression: documents joined by U+001F, `N` for SQL NULL
   * (no valid document is `N`); null without JSON columns.
   */
  jsonPart: string | null;
}>;

/**
 * The layout of `columns` (compared columns in source order); `notNull` names the columns
 * declared NOT NULL, whose pieces skip the NULL test.
 */
export function mysqlRowLayout(
  columns: readonly MysqlWireColumn[],
  notNull: ReadonlySet<string> = new Set(),
): MysqlRowLayout {
  const pieces: string[] = [];
  const jsonCells: string[] = [];
  for (const column of columns) {
    const piece = mysqlCanonicalPiece(column, notNull.has(column.name));
    if (piece === null) jsonCells.push(`CAST(${quoteMysqlIdent(column.name)} AS CHAR)`);
    else pieces.push(piece);
  }
  // CONCAT_WS converts every piece to utf8mb4, so the text hashes as UTF-8 on both sides.
  const sqlPart =
    pieces.length === 0 ? "''" : `CONCAT_WS(CHAR(31 USING utf8mb4), ${pieces.join(', ')})`;
  const jsonPart =
    jsonCells.length === 0
      ? null
      : `CONCAT_WS(CHAR(31 USING utf8mb4), ${jsonCells.map((c) => `IFNULL(${c}, 'N')`).join(', ')})`;
  return Object.freeze({ sqlPart, jsonCells: Object.freeze(jsonCells), jsonPart });
}

/** A JSON cell's piece; see {@link createJsonPieces}. */
export type JsonPieces = (raw: string | null) => string;

// Documents remembered per table, and the longest one remembered: JSON columns often repeat a
// few small documents (flags, settings, `{}`), whose rendering is most of the Node side's work.
const REMEMBERED_DOCUMENTS = 4096;
const REMEMBERED_CHARS = 512;

/**
 * Renders JSON cells into pieces (`N`, or `v` and the jsonb text; a JSON `null` document is
 * replicated as SQL NULL), remembering the pieces of up to {@link REMEMBERED_DOCUMENTS} short
 * documents (forgotten all at once when full: cheaper than an LRU, as good for repeats).
 *
 * @throws ReplicatorError what `jsonDocumentText` throws for a document replication refuses.
 */
export function createJsonPieces(): JsonPieces {
  const remembered = new Map<string, string>();
  return (raw) => {
    if (raw === null) return 'N';
    const known = remembered.get(raw);
    if (known !== undefined) return known;
    const text = jsonDocumentText(raw);
    const piece = text === null ? 'N' : `v${text}`;
    if (raw.length <= REMEMBERED_CHARS) {
      if (remembered.size >= REMEMBERED_DOCUMENTS) remembered.clear();
      remembered.set(raw, piece);
    }
    return piece;
  };
}

/** A cell as text (`null` for SQL NULL), whatever type mysql2 returned it as. */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : String(value);
}

/** The JSON part of a row from its raw cells (`null` for SQL NULL), in column order. */
function jsonPartOf(cells: readonly (string | null)[], jsonPieces: JsonPieces): string {
  let text = '';
  for (let i = 0; i < cells.length; i += 1) {
    const piece = jsonPieces(cells[i] ?? null);
    text = i === 0 ? piece : `${text}${PIECE_SEPARATOR}${piece}`;
  }
  return text;
}

/**
 * The row text from a row read as SQL part and raw JSON cells, starting at `offset`.
 *
 * @throws ReplicatorError what `jsonPieces` throws.
 */
export function rowTextOf(
  layout: MysqlRowLayout,
  row: readonly unknown[],
  offset: number,
  jsonPieces: JsonPieces,
): string {
  const sql = cellText(row[offset]) ?? '';
  if (layout.jsonPart === null) return sql;
  const cells = layout.jsonCells.map((_, i) => cellText(row[offset + 1 + i]));
  return `${sql}${PIECE_SEPARATOR}${jsonPartOf(cells, jsonPieces)}`;
}

// Row texts handed to MD5 per update: a native call (and a rope flattened) per row costs more
// than the hashing itself.
const BATCH_ROWS = 1024;

/** The JSON part of one row from its cells joined by U+001F, or null if they do not split. */
function jsonPartFrom(joined: string, width: number, jsonPieces: JsonPieces): string | null {
  if (width === 1) return jsonPieces(joined === 'N' ? null : joined);
  const cells = joined.split(PIECE_SEPARATOR);
  if (cells.length !== width) return null;
  return jsonPartOf(
    cells.map((cell) => (cell === 'N' ? null : cell)),
    jsonPieces,
  );
}

/**
 * The digest of a range's JSON parts from {@link MysqlRowLayout.jsonPart} of each row joined by
 * U+001E, or null when that does not split into `rows` rows of the layout's JSON cells (cut off,
 * or not valid JSON). The same MD5 as libs/pipeline's range digest, fed in batches of joined
 * rows, walking the string instead of splitting it: this loop is most of the Node side's work.
 *
 * @throws ReplicatorError what `jsonPieces` throws.
 */
export function digestJsonParts(
  layout: MysqlRowLayout,
  joined: string | null,
  rows: number,
  jsonPieces: JsonPieces,
): string | null {
  if (joined === null || rows === 0) return null;
  const md5 = createHash('md5');
  const batch: string[] = [];
  let count = 0;
  const flush = () => {
    md5.update(`${count > batch.length ? ROW_SEPARATOR : ''}${batch.join(ROW_SEPARATOR)}`, 'utf8');
    batch.length = 0;
  };
  for (let start = 0; start <= joined.length;) {
    const found = joined.indexOf(ROW_SEPARATOR, start);
    const end = found < 0 ? joined.length : found;
    const part = jsonPartFrom(joined.slice(start, end), layout.jsonCells.length, jsonPieces);
    count += 1;
    if (part === null || count > rows) return null;
    batch.push(part);
    if (batch.length >= BATCH_ROWS) flush();
    start = end + 1;
  }
  if (count !== rows) return null;
  if (batch.length > 0) flush();
  return md5.digest('hex');
}

/**
 * A range's count and hash from its rows read as SQL part and raw JSON cells, all in Node.
 *
 * @throws ReplicatorError what `jsonPieces` throws.
 */
export function digestRows(
  layout: MysqlRowLayout,
  rows: readonly (readonly unknown[])[],
  jsonPieces: JsonPieces,
): Readonly<{ rows: number; hash: string }> {
  const sqlParts = createRangeDigest();
  const jsonParts = createRangeDigest();
  for (const row of rows) {
    sqlParts.add(cellText(row[0]) ?? '');
    if (layout.jsonPart !== null) {
      const cells = layout.jsonCells.map((_, i) => cellText(row[1 + i]));
      jsonParts.add(jsonPartOf(cells, jsonPieces));
    }
  }
  const hash = sqlParts.hex() + (layout.jsonPart === null ? '' : jsonParts.hex());
  return Object.freeze({ rows: sqlParts.rows, hash });
}
