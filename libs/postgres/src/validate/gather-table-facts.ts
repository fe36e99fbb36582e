/**
 * Reads {@link SourceTableFacts} for the tables a run selected: primary key and replica
 * identity, the connecting user's privileges and ownership, and the size.
 */
import { tableKey, type TablePlan } from '@database-replicator/core';
import type pg from 'pg';
import type { ReplicaIdentity } from '../introspect.js';
import type { SourceTableFacts } from './validation-facts.js';

const IDENTITY: Readonly<Record<string, ReplicaIdentity>> = {
  d: 'default',
  i: 'index',
  f: 'full',
  n: 'nothing',
};

// A partitioned table holds no data itself (pg_total_relation_size is 0), so its size is the
// sum over its partitions, found through pg_inherits (pg_partition_tree needs 12+). Key columns
// are cast to text: node-postgres returns name[] unparsed, as the string '{a,b}'.
const TABLE_SQL = `
SELECT t.schema, t.name, c.relreplident::text AS identity,
       ARRAY(SELECT a.attname::text
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary
              ORDER BY k.ord) AS primary_key,
       has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       has_table_privilege(c.oid, 'SELECT') AS can_select,
       pg_has_role(c.relowner, 'USAGE') AS owned,
       pg_get_userbyid(c.relowner)::text AS owner,
       (WITH RECURSIVE tree(oid) AS (
          SELECT c.oid
          UNION ALL
          SELECT i.inhrelid FROM pg_inherits i
            JOIN tree ON i.inhparent = tree.oid
            JOIN pg_class p ON p.oid = i.inhrelid AND p.relispartition)
        SELECT sum(pg_total_relation_size(tree.oid)) FROM tree)::float8 AS total_bytes
  FROM unnest($1::text[], $2::text[]) AS t(schema, name)
  JOIN pg_namespace n ON n.nspname = t.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name AND c.relkind IN ('r', 'p')`;

type TableRow = {
  schema: string;
  name: string;
  identity: string;
  primary_key: string[];
  schema_usage: boolean;
  can_select: boolean;
  owned: boolean;
  owner: string;
  total_bytes: number;
};

/**
 * Facts for every planned table, in plan order.
 *
 * @throws Error when a planned table vanished between listing and this query (dropped
 *   concurrently); running validate again settles it.
 */
export async function gatherTableFacts(
  client: pg.ClientBase,
  plans: readonly TablePlan[],
): Promise<readonly SourceTableFacts[]> {
  const { rows } = await client.query<TableRow>(TABLE_SQL, [
    plans.map((p) => p.id.schema),
    plans.map((p) => p.id.table),
  ]);
  const key = (schema: string, table: string) => tableKey({ schema, table });
  const rowsByKey = new Map(rows.map((row) => [key(row.schema, row.name), row]));
  return Object.freeze(
    plans.map((plan) => {
      const k = key(plan.id.schema, plan.id.table);
      const row = rowsByKey.get(k);
      if (row === undefined) {
        throw new Error(`table ${k} disappeared from the source while validate read it`);
      }
      return Object.freeze({
        plan,
        primaryKey: Object.freeze(row.primary_key),
        replicaIdentity: IDENTITY[row.identity] ?? 'default',
        totalBytes: row.total_bytes,
        canSelect: row.can_select,
        schemaUsage: row.schema_usage,
        owned: row.owned,
        owner: row.owner,
      });
    }),
  );
}
