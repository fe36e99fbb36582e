/**
 * The shape every cross-engine source lib gives verify (libs/runtime open-verify-run wires it):
 * its tables, each with a checksummer of the source side and the canonical kind of each column,
 * and the session that reads current rows for repair. One definition, so the sources cannot
 * drift apart; each source names its kinds, checksummer and position.
 */
import type { ConnectorName, SourcePosition, TableId } from '@database-replicator/core';
import type { RepairSource } from './repair-table.js';
import type { VerifyBlock } from './select-verify-plans.js';

/** A key column; `text` ones are ordered bytewise on both sides. */
export type VerifyKeyColumn = Readonly<{ name: string; text: boolean }>;

/** One table of a cross-engine verify run. */
export type SourceVerifyTable<
  Kind extends string,
  Checksummer,
  Key extends VerifyKeyColumn = VerifyKeyColumn,
> = Readonly<{
  /** The target table. */
  id: TableId;
  /** The table's name in the report. */
  table: string;
  keyColumns: readonly string[];
  /** Compared columns in source order with the target-side rendering of each. */
  columns: readonly Readonly<{ name: string; kind: Kind }>[];
  key: readonly Key[];
  source: Checksummer;
  /** Set when rows are not compared, with the reason. */
  blocked?: VerifyBlock;
  notes: readonly string[];
}>;

/**
 * An open cross-engine verify source: the repair source verify --repair reads rows from, with
 * the source's own connector and position types, its tables, and `close`.
 */
export type SourceVerifySession<
  Table,
  Connector extends ConnectorName,
  Position extends SourcePosition,
> = Readonly<
  Omit<RepairSource, 'connector' | 'position'> & {
    tables: readonly Table[];
    connector: Connector;
    position(): Promise<Position>;
    close(): Promise<void>;
  }
>;
