/**
 * A schema change of a replicated table, as the `schema_change` payload of an `s` change event
 * (docs/architecture.md, "Schema changes"). It travels on the table's topic, in order with the
 * table's rows, so the loader applies it between the rows written before and after it. Types are
 * PostgreSQL DDL text, already translated by the source's type map; `statement` is the source's
 * DDL as it was run (Debezium's `ddl` field), for logs and messages.
 */
import { z } from 'zod';
import { isJsonValue, type JsonValue } from './values.js';

/** A column a schema change adds or a table it creates, as the target creates it. */
export type SchemaChangeColumn = Readonly<{
  name: string;
  /** PostgreSQL type as DDL text: `numeric(12,2)`, `text[]`. */
  type: string;
  nullable: boolean;
}>;

/**
 * One schema change:
 * - `add_column`: `default` is the value (wire-encoded, as in row images) the source gave the
 *   existing rows, which the target writes into its existing rows; `null` for none.
 * - `drop_column`, `rename_column` (`column` → `new_name`).
 * - `create_table`: a newly created table of the selection, with its key columns.
 * - `stop_table`: DDL the replication cannot follow; the extractor marks the table failed and
 *   sends nothing more of it. Never on the bus.
 */
export type SchemaChange =
  | Readonly<{
      kind: 'add_column';
      column: SchemaChangeColumn;
      default: JsonValue;
      statement: string;
    }>
  | Readonly<{ kind: 'drop_column'; column: string; statement: string }>
  | Readonly<{ kind: 'rename_column'; column: string; new_name: string; statement: string }>
  | Readonly<{
      kind: 'create_table';
      columns: readonly SchemaChangeColumn[];
      key_columns: readonly string[];
      statement: string;
    }>
  | Readonly<{ kind: 'stop_table'; reason: string; statement: string }>;

/** The kinds of {@link SchemaChange}. */
export type SchemaChangeKind = SchemaChange['kind'];

const columnSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  nullable: z.boolean(),
});

const jsonValueSchema = z.custom<JsonValue>((value) => isJsonValue(value), {
  error: 'expected a JSON value',
});

/** Zod schema of {@link SchemaChange}. */
export const schemaChangeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('add_column'),
    column: columnSchema,
    default: jsonValueSchema,
    statement: z.string(),
  }),
  z.object({ kind: z.literal('drop_column'), column: z.string().min(1), statement: z.string() }),
  z.object({
    kind: z.literal('rename_column'),
    column: z.string().min(1),
    new_name: z.string().min(1),
    statement: z.string(),
  }),
  z.object({
    kind: z.literal('create_table'),
    columns: z.array(columnSchema).min(1),
    key_columns: z.array(z.string().min(1)).min(1),
    statement: z.string(),
  }),
  z.object({ kind: z.literal('stop_table'), reason: z.string(), statement: z.string() }),
]);
