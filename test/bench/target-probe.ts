/**
 * Looks for rows on a target database whatever tool wrote it: tables are found by name in any
 * schema (pgloader uses the MySQL database's name, others `public`), keys by the SQL column
 * names, which MongoDB documents carry as fields too (`id`, `order_id`): our MongoDB layout keeps
 * them inside the `document` jsonb in canonical Extended JSON (`{"$numberInt": "5"}`).
 * order_items only exist for SQL sources (MongoDB embeds them in orders).
 */
import { escapeIdentifier, type Client } from 'pg';
import { findTableSchema, qualified } from './pg-db.js';
import type { Sentinels } from './workload/plan.js';

type Probe = Readonly<{ table: string; keys: readonly (readonly [string, number | string])[] }>;

function probesOf(s: Sentinels, documentSource: boolean): Probe[] {
  const probes: Probe[] = [
    { table: 'orders', keys: [['id', s.order.id]] },
    { table: 'customers', keys: [['id', s.customer.id]] },
    {
      table: 'events',
      keys: [
        ['order_id', s.event.orderId],
        ['kind', 'sentinel'],
      ],
    },
    { table: 'documents', keys: [['id', s.document.id]] },
  ];
  if (!documentSource)
    probes.push({
      table: 'order_items',
      keys: [
        ['order_id', s.item.orderId],
        ['line_no', s.item.lineNo],
      ],
    });
  return probes;
}

async function columnsOf(client: Client, schema: string, table: string): Promise<Set<string>> {
  const r = await client.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  return new Set(r.rows.map((c) => c.column_name));
}

/** True once every sentinel row is on the target; throws when a key column is missing. */
export async function sentinelsVisible(
  client: Client,
  s: Sentinels,
  documentSource: boolean,
): Promise<boolean> {
  for (const probe of probesOf(s, documentSource)) {
    const schema = await findTableSchema(client, probe.table);
    if (schema === undefined) return false; // not created yet
    const columns = await columnsOf(client, schema, probe.table);
    const where = probe.keys.map(([column], i) => {
      if (!columns.has(column) && !columns.has('document'))
        throw new Error(
          `target table ${schema}.${probe.table} has no column ${column} to find the sentinel row by`,
        );
      // Untyped parameters take the column's type, so the key index is used whatever that type is.
      return `${keyExpression(columns, column)} = $${i + 1}`;
    });
    const r = await client.query(
      `SELECT 1 FROM ${qualified(schema, probe.table)} WHERE ${where.join(' AND ')} LIMIT 1`,
      probe.keys.map(([, v]) => String(v)),
    );
    if (r.rowCount === 0) return false;
  }
  return true;
}

/** Schema-qualified orders table and its key column (`id`) on the target, quoted, for the lag probe. */
export async function ordersKey(client: Client): Promise<{ table: string; key: string }> {
  const schema = await findTableSchema(client, 'orders');
  if (schema === undefined) throw new Error('the target has no orders table');
  const columns = await columnsOf(client, schema, 'orders');
  if (!columns.has('id') && !columns.has('document'))
    throw new Error(`target table ${schema}.orders has no id column`);
  const key = keyExpression(columns, 'id');
  return { table: qualified(schema, 'orders'), key: columns.has('id') ? key : `(${key})::bigint` };
}

/** The column, or the field of that name in a `document` jsonb (Extended JSON numbers unwrapped). */
function keyExpression(columns: ReadonlySet<string>, column: string): string {
  if (columns.has(column)) return escapeIdentifier(column);
  const field = `'${column.replace(/'/g, "''")}'`;
  return `coalesce(document->${field}->>'$numberInt', document->${field}->>'$numberLong', document->>${field})`;
}

/**
 * True when a subscription of the connected database has its apply worker running (replication
 * that runs inside PostgreSQL); false when there is none, e.g. for a replicator process.
 */
export async function applyWorkerRunning(client: Client): Promise<boolean> {
  const r = await client.query(
    `SELECT 1 FROM pg_stat_subscription s JOIN pg_subscription p ON p.oid = s.subid
      WHERE p.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND s.pid IS NOT NULL AND s.relid IS NULL`,
  );
  return (r.rowCount ?? 0) > 0;
}
