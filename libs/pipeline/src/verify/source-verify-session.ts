/**
 * The shape every cross-engine source lib gives verify (libs/runtime open-verify-run wires it):
 * its tables, each with a checksummer of the source side and the canonical kind of each column,
 * and the session that reads current rows for repair. One definition, so the sources cannot
 * drift apart; each source names its kinds, checksummer and position.
 */
import type { ChangeRow, TableId } from '@database-replicator/core';
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

/** An open cross-engine verify source. */
export type SourceVerifySession<Table, Connector extends string, Position> = Readonly<{
  tables: readonly Table[];
  connector: Connector;
  /** The source name replication uses. */
  name: string;
  /** `source.db` of the events replication writes. */
  database: string;
  /** The position repair events carry. */
  position(): Promise<Position>;
  /** Current rows of `keys` (text per key column), encoded as replication encodes them. */
  readRows(
    table: TableId,
    keyColumns: readonly string[],
    keys: readonly (readonly string[])[],
  ): Promise<readonly ChangeRow[]>;
  close(): Promise<void>;
}>;
