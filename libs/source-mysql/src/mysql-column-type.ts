/**
 * `information_schema.COLUMNS.COLUMN_TYPE` parsed: `decimal(30,10) unsigned zerofill`,
 * `enum('a','it''s')`, `datetime(6)`. The type mapping and the binlog decoder both need the
 * parts, and enum/set members are only found here, quoted the way `SHOW CREATE TABLE` quotes them.
 */
import { replicatorError } from '@database-replicator/core';

/** A parsed column type. */
export type MysqlColumnType = Readonly<{
  /** Lower-case base name: `int`, `varchar`, `enum`, `double precision`. */
  base: string;
  /** Numeric arguments (`(30,10)` → `[30, 10]`); empty for enum/set and when absent. */
  args: readonly number[];
  /** Members of an enum or set, unquoted, in declaration order; empty otherwise. */
  members: readonly string[];
  unsigned: boolean;
}>;

const SHAPE = /^\s*([a-z][a-z0-9 ]*?)\s*(?:\((.*)\))?((?:\s+(?:unsigned|signed|zerofill))*)\s*$/is;

/**
 * Parses a `COLUMN_TYPE` text.
 *
 * @throws ReplicatorError `REPL_MYSQL_TYPE_UNSUPPORTED` for text of another shape.
 */
export function parseMysqlColumnType(text: string): MysqlColumnType {
  const match = SHAPE.exec(text);
  const base = match?.[1]?.toLowerCase();
  if (match === null || base === undefined) throw unreadable(text);
  const inside = match[2];
  const quoted = base === 'enum' || base === 'set';
  const members = quoted && inside !== undefined ? parseMembers(inside, text) : [];
  const args = !quoted && inside !== undefined ? parseArgs(inside, text) : [];
  return Object.freeze({
    base,
    args: Object.freeze(args),
    members: Object.freeze(members),
    unsigned: /\bunsigned\b/i.test(match[3] ?? ''),
  });
}

function parseArgs(inside: string, text: string): number[] {
  return inside.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 0) throw unreadable(text);
    return value;
  });
}

const ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
});

/** `'a','it''s','x\\y'` → `a`, `it's`, `x\y`: quotes doubled, backslash escapes as in SQL. */
function parseMembers(inside: string, text: string): string[] {
  const members: string[] = [];
  let index = 0;
  while (index < inside.length) {
    if (inside[index] !== "'") throw unreadable(text);
    let member = '';
    index += 1;
    for (;;) {
      const char = inside[index];
      if (char === undefined) throw unreadable(text);
      if (char === "'" && inside[index + 1] === "'") {
        member += "'";
        index += 2;
      } else if (char === "'") {
        index += 1;
        break;
      } else if (char === '\\' && inside[index + 1] !== undefined) {
        const next = inside[index + 1] ?? '';
        member += ESCAPES[next] ?? next;
        index += 2;
      } else {
        member += char;
        index += 1;
      }
    }
    members.push(member);
    if (index < inside.length && inside[index] !== ',') throw unreadable(text);
    index += 1;
  }
  return members;
}

function unreadable(text: string): Error {
  return replicatorError(
    'REPL_MYSQL_TYPE_UNSUPPORTED',
    `The column type "${text}" cannot be read`,
    { details: { columnType: text } },
  );
}
