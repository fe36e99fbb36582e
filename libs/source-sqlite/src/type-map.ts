/**
 * SQLite declared types → PostgreSQL column types (docs/type-mapping.md, "SQLite"). SQLite has no
 * column types, only a declared type name from which it derives an affinity
 * (https://sqlite.org/datatype3.html §3.1); the mapping follows pgloader's defaults where they
 * exist and falls back to the affinity, so every declared name maps to something.
 */

/** SQLite's column affinity, derived from the declared type by SQLite's own rules. */
export type SqliteAffinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** How a column's stored values become wire values (see `encodeSqliteValue`). */
export type SqliteValueKind =
  'bigint' | 'double' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'text' | 'bytea';

/** What a declared type maps to. */
export type SqliteTypeMapping = Readonly<{
  /** PostgreSQL type as DDL text: `bigint`, `numeric(12,2)`, `timestamp with time zone`. */
  type: string;
  kind: SqliteValueKind;
  affinity: SqliteAffinity;
}>;

/** PostgreSQL's limits on `numeric(p,s)`: 1 ≤ p ≤ 1000, 0 ≤ s ≤ p (negative scales left out). */
const MAX_NUMERIC_PRECISION = 1000;
const TYPE_MODIFIER = /^\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/;

/**
 * SQLite's affinity of a declared type, rule by rule as SQLite applies them: contains `INT` →
 * INTEGER; `CHAR`, `CLOB` or `TEXT` → TEXT; `BLOB` or no type → BLOB; `REAL`, `FLOA` or `DOUB` →
 * REAL; anything else → NUMERIC. (So `FLOATING POINT` has INTEGER affinity, as in SQLite.)
 */
export function sqliteAffinity(declared: string): SqliteAffinity {
  const upper = declared.toUpperCase();
  if (upper.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(upper)) return 'TEXT';
  if (upper.includes('BLOB') || upper.trim() === '') return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(upper)) return 'REAL';
  return 'NUMERIC';
}

/**
 * Maps a declared SQLite type to the PostgreSQL type of its target column:
 *
 * | declared | PostgreSQL |
 * |---|---|
 * | no type | `text` |
 * | `BOOL`, `BOOLEAN` | `boolean` |
 * | `DATETIME`, `TIMESTAMP…` | `timestamp with time zone` |
 * | `DATE` | `date` |
 * | INTEGER affinity (`INTEGER PRIMARY KEY`, `INT`, `BIGINT`, `TINYINT`…) | `bigint` |
 * | TEXT affinity (`TEXT`, `VARCHAR(n)`, `CHAR(n)`, `CLOB`…) | `text` (lengths dropped) |
 * | `BLOB` | `bytea` |
 * | REAL affinity (`REAL`, `FLOAT`, `DOUBLE`…) | `double precision` |
 * | `NUMERIC(p,s)`, `DECIMAL(p,s)` | `numeric(p,s)`; `numeric` without a valid modifier |
 * | other NUMERIC affinity (`JSON`, `UUID`, `TIME`, `MONEY`…) | `text` |
 */
export function mapSqliteType(declared: string): SqliteTypeMapping {
  const affinity = sqliteAffinity(declared);
  const normalized = declared.trim().replace(/\s+/g, ' ').toUpperCase();
  const open = normalized.indexOf('(');
  const base = (open < 0 ? normalized : normalized.slice(0, open)).trim();
  const modifier = open < 0 ? '' : normalized.slice(open).trim();
  const mapped = (type: string, kind: SqliteValueKind): SqliteTypeMapping =>
    Object.freeze({ type, kind, affinity });
  if (base === '') return mapped('text', 'text');
  if (base === 'BOOL' || base === 'BOOLEAN') return mapped('boolean', 'boolean');
  if (base === 'DATETIME' || base.startsWith('TIMESTAMP')) {
    return mapped('timestamp with time zone', 'timestamptz');
  }
  if (base === 'DATE') return mapped('date', 'date');
  switch (affinity) {
    case 'INTEGER':
      return mapped('bigint', 'bigint');
    case 'TEXT':
      return mapped('text', 'text');
    case 'BLOB':
      return mapped('bytea', 'bytea');
    case 'REAL':
      return mapped('double precision', 'double');
    case 'NUMERIC':
      return base === 'NUMERIC' || base === 'DECIMAL'
        ? mapped(numericType(modifier), 'numeric')
        : mapped('text', 'text');
  }
}

/** `numeric(p,s)` from a `(p[,s])` modifier PostgreSQL accepts; plain `numeric` otherwise. */
function numericType(modifier: string): string {
  const match = TYPE_MODIFIER.exec(modifier);
  if (match === null) return 'numeric';
  const precision = Number(match[1]);
  const scale = match[2] === undefined ? undefined : Number(match[2]);
  if (precision < 1 || precision > MAX_NUMERIC_PRECISION) return 'numeric';
  if (scale === undefined) return `numeric(${precision})`;
  return scale <= precision ? `numeric(${precision},${scale})` : 'numeric';
}
