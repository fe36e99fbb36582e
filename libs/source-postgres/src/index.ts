/**
 * @database-replicator/source-postgres — PostgreSQL as a pipeline source: the selected tables
 * described for the target, the job's publication and logical replication slot, key-ordered
 * snapshot pages and the pgoutput change stream, with every value encoded losslessly for the
 * wire. Implements libs/pipeline's `ChangeSource` structurally. Each export carries its TSDoc at
 * its definition.
 */

// The source
export { PostgresSource, createPostgresSource } from './postgres-source.js';
export type { PostgresSourceOptions } from './config.js';

// Values on the wire (pure; shared by snapshot and stream)
export { encodePgWireValue, encodeTuple } from './pg-wire-value.js';
export type { EncodedTuple, WireColumn } from './pg-wire-value.js';
export { columnKindOf, wireTypeOf } from './type-map.js';
export type { WireType } from './type-map.js';

// pgoutput messages → stream steps (pure)
export { PgoutputTransactionAssembler } from './transaction-assembler.js';
export type { TransactionAssemblerOptions } from './transaction-assembler.js';
export type { StreamItem } from './replication-channel.js';
export { lsnBefore } from './position.js';
