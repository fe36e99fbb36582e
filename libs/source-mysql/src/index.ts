/**
 * @database-replicator/source-mysql — MySQL/MariaDB as a pipeline source: tables and types
 * mapped for PostgreSQL (docs/type-mapping.md), keyset snapshots, the binlog stream (zongji), and
 * the prerequisites `validate` checks. Each export carries its TSDoc at its definition.
 */

// The source
export { createMysqlSource, MysqlSource } from './mysql-source.js';
export { mysqlConnectionConfig, mysqlEndpoint, resolveMysqlOptions } from './config.js';
export type {
  MysqlEndpoint,
  MysqlSourceOptions,
  MysqlTimeType,
  ResolvedMysqlOptions,
} from './config.js';
export { listMysqlTables, planMysqlTables } from './list-mysql-tables.js';

// Type mapping and wire values (pure)
export { mapMysqlType } from './type-map.js';
export type { GeometryKind, MysqlTypeMapping, MysqlWireType, TypeMapOptions } from './type-map.js';
export { parseMysqlColumnType } from './mysql-column-type.js';
export type { MysqlColumnType } from './mysql-column-type.js';
export { encodeMysqlRow, encodeMysqlValue } from './mysql-wire-value.js';
export type { MysqlWireColumn } from './mysql-wire-value.js';
export { secondaryIndexDdl, targetIndexName } from './index-ddl.js';
export type {
  MysqlColumnInfo,
  MysqlIndexInfo,
  MysqlIndexPart,
  MysqlTableInfo,
} from './introspect.js';

// Positions
export { binlogPosition } from './position.js';

// validate: facts read from the server, judged by pure checks
export { validateMysql } from './validate/validate-mysql.js';
export type { ValidateMysqlOptions } from './validate/validate-mysql.js';
export { evaluateMysqlValidation } from './validate/evaluate-mysql-validation.js';
export type {
  MysqlCheckStatus,
  MysqlPrivileges,
  MysqlServerFacts,
  MysqlValidationCheck,
  MysqlValidationFacts,
  MysqlValidationReport,
} from './validate/mysql-validation-facts.js';

// verify (issue 7): the MySQL side of cross-engine verify and repair
export { openMysqlVerify } from './verify/open-mysql-verify.js';
export type {
  MysqlVerifyOptions,
  MysqlVerifySession,
  MysqlVerifyTable,
} from './verify/open-mysql-verify.js';
export type { MysqlChecksummer } from './verify/mysql-checksummer.js';
export type { MysqlCanonicalKind } from './verify/mysql-canonical-sql.js';
export { jsonDocumentText } from './verify/json-document-text.js';
export { findBinlogProgress } from './verify/binlog-progress.js';
export type { BinlogReplicationProgress } from './verify/binlog-progress.js';

// DDL while streaming (issue 6)
export { parseDdlStatement } from './ddl-statement.js';
export type {
  AlterClause,
  DdlColumnDefinition,
  DdlDefault,
  DdlPlace,
  DdlStatement,
} from './ddl-statement.js';

// COPY-text snapshot (issue 6): driver values straight to COPY fields
export { mysqlCopyEncoder, columnKindOf as mysqlColumnKind } from './mysql-copy-text.js';
export type { MysqlCopyEncoder } from './mysql-copy-text.js';

// Verify while sync applies (issue 7): which job the binlog catch-up waits for
export type { BinlogProgressOptions } from './verify/binlog-progress.js';
