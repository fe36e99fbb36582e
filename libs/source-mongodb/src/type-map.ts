/**
 * The target layout of every collection (docs/type-mapping.md, "MongoDB"): the `_id` text as the
 * primary key and the whole document as canonical Extended JSON in jsonb. Documents have no
 * fixed columns, so there is no per-type column mapping; the Extended JSON form carries each
 * BSON type instead (document-json.ts).
 */
import type { TargetColumnDefinition } from '@database-replicator/pipeline';
import { DOCUMENT_COLUMN, ID_COLUMN } from './constants.js';

/** The columns of a collection's target table, in order. */
export const MONGO_TABLE_COLUMNS: readonly TargetColumnDefinition[] = Object.freeze([
  Object.freeze({ name: ID_COLUMN, type: 'text', nullable: false }),
  Object.freeze({ name: DOCUMENT_COLUMN, type: 'jsonb', nullable: false }),
]);

/** The key columns of a collection's target table. */
export const MONGO_KEY_COLUMNS: readonly string[] = Object.freeze([ID_COLUMN]);
