/**
 * An independent comparison of two databases, in plain SQL that shares nothing with the code
 * under test: every user table's row count and the md5 of its rows' text forms, sorted bytewise,
 * with the session settings fixed (UTC, ISO dates, hex bytea, float digits) so equal rows print
 * equally. `waitForEqualTables` polls it while the pipeline catches up; if the databases never
 * agree (a row lost, duplicated or stale), it fails with the differing rows.
 */
import type pg from 'pg';
import { withClient } from '../../support/postgres-databases.js';

/** Row count and md5 per table (`schema.table`). */
export type TableDigests = Record<string, string>;

const SESSION =
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET extra_float_digits = 3; SET bytea_output = 'hex'";

/** User tables, leaving out the replicator's bookkeeping and other sessions' temp tables. */
async function userTables(client: pg.Client): Promise<{ q: string; n: string }[]> {
  const { rows } = await client.query<{ q: string; n: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS q, schemaname || '.' || tablename AS n
       FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_replicator')
        AND schemaname NOT LIKE 'pg\\_temp%' AND schemaname NOT LIKE 'pg\\_toast%'
      ORDER BY 2`,
  );
  return rows;
}

/** `count:md5` of every user table of the database `url` names. */
export async function tableDigests(url: string): Promise<TableDigests> {
  return withClient(url, async (client) => {
    await client.query(SESSION);
    const result: TableDigests = {};
    for (const { q, n } of await userTables(client)) {
      const { rows } = await client.query<{ digest: string }>(
        `SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C"), ''))
                AS digest
           FROM ${q} t`,
      );
      result[n] = rows[0]?.digest ?? '';
    }
    return result;
  });
}

async function tableRows(url: string, table: string): Promise<string[]> {
  return withClient(url, async (client) => {
    await client.query(SESSION);
    const found = (await userTables(client)).find((t) => t.n === table);
    if (found === undefined) return [];
    const { rows } = await client.query<{ r: string }>(
      `SELECT t::text AS r FROM ${found.q} t ORDER BY t::text COLLATE "C"`,
    );
    return rows.map((row) => row.r);
  });
}

function clip(line: string): string {
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** Rows only in source, only in target, and repeated on the target, per differing table. */
export async function describeDifferences(sourceUrl: string, targetUrl: string): Promise<string> {
  const [source, target] = await Promise.all([tableDigests(sourceUrl), tableDigests(targetUrl)]);
  const tables = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort();
  const parts: string[] = [];
  for (const table of tables.filter((t) => source[t] !== target[t])) {
    const [want, have] = await Promise.all([
      tableRows(sourceUrl, table),
      tableRows(targetUrl, table),
    ]);
    const wanted = new Set(want);
    const had = new Set(have);
    const missing = want.filter((row) => !had.has(row));
    const extra = have.filter((row) => !wanted.has(row));
    const repeated = have.length - had.size;
    parts.push(
      `${table}: source ${source[table] ?? 'absent'}, target ${target[table] ?? 'absent'}; ` +
        `${missing.length} only in source, ${extra.length} only in target, ${repeated} repeated on target\n` +
        missing
          .slice(0, 8)
          .map((row) => `  - ${clip(row)}\n`)
          .join('') +
        extra
          .slice(0, 8)
          .map((row) => `  + ${clip(row)}\n`)
          .join(''),
    );
  }
  return parts.join('');
}

/** Throws `what` with the differences unless every table of source and target has the same rows. */
export async function expectEqualTables(
  sourceUrl: string,
  targetUrl: string,
  what = 'target differs',
): Promise<void> {
  const [source, target] = await Promise.all([tableDigests(sourceUrl), tableDigests(targetUrl)]);
  if (JSON.stringify(source) !== JSON.stringify(target)) {
    throw new Error(`${what}:\n${await describeDifferences(sourceUrl, targetUrl)}`);
  }
}

/**
 * Resolves once every table of source and target has the same rows; otherwise throws after
 * `timeoutMs` with the differences (see {@link describeDifferences}).
 */
export async function waitForEqualTables(
  sourceUrl: string,
  targetUrl: string,
  timeoutMs: number,
): Promise<TableDigests> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [source, target] = await Promise.all([tableDigests(sourceUrl), tableDigests(targetUrl)]);
    if (JSON.stringify(source) === JSON.stringify(target)) return source;
    if (Date.now() > deadline) {
      const diff = await describeDifferences(sourceUrl, targetUrl);
      throw new Error(`target still differs from source after ${timeoutMs} ms:\n${diff}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
