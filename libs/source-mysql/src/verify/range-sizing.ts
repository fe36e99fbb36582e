/**
 * What the MySQL side of verify needs to know about each table before hashing ranges: how much
 * row text a range may hold (each engine builds a range's text in memory, and GROUP_CONCAT may
 * return at most `max_allowed_packet`), roughly how much text a row makes (from the server's
 * statistics), and whether a scan of the key index already yields the key order.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { DescribedMysqlTable } from '../describe-tables.js';
import { keyOf, type MysqlTableInfo } from '../introspect.js';
import { mysqlQuery } from '../mysql-query.js';
import { isTextKey } from './mysql-canonical-sql.js';

/** How one table's ranges are sized and read. */
export type RangeSizing = Readonly<{
  /** Estimated bytes of one row's canonical text. */
  rowTextBytes: number;
  /** Row text a planned range should hold at most, in bytes. */
  textBudgetBytes: number;
  /**
   * An InnoDB table keyed by its primary key (a B-tree, the rows' own order) on columns that are
   * not compared as text: a scan of the key yields the key order without sorting.
   */
  scanOrdered: boolean;
}>;

/** Row text a range holds at most, whatever `max_allowed_packet` allows. */
const RANGE_TEXT_BYTES = 16 * 1024 * 1024;

// Below this a row's text is not estimated smaller (empty or never analysed tables report 0).
const MIN_ROW_TEXT_BYTES = 64;

// Bytes per stored row; the text is estimated at twice that (hex doubles binary).
const TABLES_SQL = `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine,
  AVG_ROW_LENGTH AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)`;

type TableStats = Readonly<{ engine: string; rowBytes: number }>;

function isScanOrdered(described: DescribedMysqlTable, info: MysqlTableInfo | undefined): boolean {
  const primary = info?.indexes.find((index) => index.name === 'PRIMARY');
  const names = described.keyColumns.map((c) => c.name);
  return (
    primary !== undefined &&
    primary.type === 'BTREE' &&
    primary.parts.length === names.length &&
    primary.parts.every((part, i) => part.column === names[i] && !part.descending) &&
    !described.keyColumns.some(isTextKey)
  );
}

/**
 * Reads the statistics of the databases of `described`; the result sizes any of those tables
 * (one missing from the statistics, e.g. dropped meanwhile, as a row of 64 bytes, sorted).
 *
 * @throws ReplicatorError `REPL_MYSQL_QUERY_FAILED` (and connection codes).
 */
export async function readRangeSizing(
  pool: Pool,
  described: readonly DescribedMysqlTable[],
  infos: readonly MysqlTableInfo[],
): Promise<(table: DescribedMysqlTable) => RangeSizing> {
  const schemas = [...new Set(described.map((d) => d.table.id.schema))];
  const [packetBytes, stats] = await mysqlQuery(
    pool,
    'reading table statistics for verify',
    async (p) => {
      const [packet] = await p.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS bytes');
      const [rows] =
        schemas.length === 0 ? [[]] : await p.query<RowDataPacket[]>(TABLES_SQL, [schemas]);
      const byTable = new Map<string, TableStats>(
        rows.map((row) => [
          keyOf({ schema: String(row['db']), table: String(row['name']) }),
          { engine: String(row['engine']), rowBytes: 2 * Number(row['bytes'] ?? 0) },
        ]),
      );
      return [Number(packet[0]?.['bytes'] ?? 0), byTable] as const;
    },
  );
  const budget =
    packetBytes > 0 ? Math.min(RANGE_TEXT_BYTES, Math.floor(packetBytes / 2)) : RANGE_TEXT_BYTES;
  const infoOf = new Map(infos.map((info) => [keyOf(info.id), info]));
  return (table) => {
    const key = keyOf(table.table.id);
    const found = stats.get(key);
    return Object.freeze({
      rowTextBytes: Math.max(MIN_ROW_TEXT_BYTES, found?.rowBytes ?? 0),
      textBudgetBytes: budget,
      scanOrdered: /^innodb$/i.test(found?.engine ?? '') && isScanOrdered(table, infoOf.get(key)),
    });
  };
}
