/**
 * The target table's columns and their types, read once per table from the catalog: values
 * arrive as JSON and are loaded as text that PostgreSQL casts to each column's type, and a few
 * types need their JSON form rewritten first (bytea, json, arrays).
 */
import {
  formatTableRef,
  quoteTable,
  replicatorError,
  type TableId,
} from '@database-replicator/core';
import type pg from 'pg';

/** How a column's JSON value becomes PostgreSQL text input. */
export type ColumnKind = 'bytea' | 'json' | 'array' | 'scalar';

/** One column of a target table. */
export type TargetColumn = Readonly<{
  name: string;
  /** `format_type` of the column, e.g. `numeric(30,10)`; safe to splice as a cast target. */
  type: string;
  kind: ColumnKind;
  /** Generated columns cannot be written. */
  generated: boolean;
}>;

/** The columns of a target table, by name. */
export type TargetTableShape = Readonly<{
  table: TableId;
  columns: ReadonlyMap<string, TargetColumn>;
}>;

type ColumnRow = {
  name: string;
  type: string;
  typname: string;
  category: string;
  generated: boolean;
};

/**
 * Reads the columns of `table` (dropped columns left out).
 *
 * @throws ReplicatorError `REPL_WRITER_TARGET_TABLE_INVALID` when the table does not exist.
 */
export async function readTargetTableShape(
  client: pg.ClientBase,
  table: TableId,
): Promise<TargetTableShape> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname,
            t.typcategory AS category, a.attgenerated <> '' AS generated
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [quoteTable(table)],
  );
  if (rows.length === 0) {
    throw replicatorError(
      'REPL_WRITER_TARGET_TABLE_INVALID',
      `target table ${formatTableRef(table)} does not exist`,
      { details: { table: formatTableRef(table) } },
    );
  }
  const columns = new Map<string, TargetColumn>();
  for (const row of rows) {
    columns.set(
      row.name,
      Object.freeze({
        name: row.name,
        type: row.type,
        kind: kindOf(row),
        generated: row.generated,
      }),
    );
  }
  return Object.freeze({ table, columns });
}

function kindOf(row: ColumnRow): ColumnKind {
  if (row.typname === 'bytea') return 'bytea';
  if (row.typname === 'json' || row.typname === 'jsonb') return 'json';
  return row.category === 'A' ? 'array' : 'scalar';
}

/**
 * Target table shapes read once and kept, per table. Owned by one loader; call `forget` after
 * a schema change of the table.
 */
export class TargetTableShapeCache {
  readonly #shapes = new Map<string, TargetTableShape>();

  /** The cached shape of `table`, read with `client` on first use. */
  async get(client: pg.ClientBase, table: TableId): Promise<TargetTableShape> {
    const id = quoteTable(table);
    const cached = this.#shapes.get(id);
    if (cached !== undefined) return cached;
    const shape = await readTargetTableShape(client, table);
    this.#shapes.set(id, shape);
    return shape;
  }

  /** Drops the cached shape of `table`, so the next `get` reads it again. */
  forget(table: TableId): void {
    this.#shapes.delete(quoteTable(table));
  }
}
