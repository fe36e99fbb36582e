/**
 * Change events as a PostgreSQL extractor writes them, for suites that feed a loader or writer
 * directly: source `src`, database `app`, schema `public`, streamed (not snapshot).
 */
import type { ChangeEvent, ChangeRow, SourcePosition } from '@database-replicator/core';

/**
 * A streamed `op` of `public.<table>` at `position`: `row` is the after image, or the before
 * image of a delete (a truncate has neither).
 */
export function streamedChange(
  table: string,
  op: ChangeEvent['op'],
  row: ChangeRow | null,
  position: SourcePosition,
): ChangeEvent {
  return {
    op,
    before: op === 'd' ? row : null,
    after: op === 'd' || op === 't' ? null : row,
    ts_ms: 0,
    source: {
      connector: 'postgresql',
      name: 'src',
      db: 'app',
      schema: 'public',
      table,
      snapshot: 'false',
      position,
      ts_ms: 0,
    },
  };
}
