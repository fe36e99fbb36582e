/**
 * The name a verify run is recorded under when no job id is configured: the source database's
 * name (MySQL database, MongoDB database, SQLite file name), read from the redacted URL so no
 * secret reaches `_replicator.verify_runs`.
 */
import type { ReplicatorConfig } from '@database-replicator/core';

/** The source's database name, or its kind when the URL names none. */
export function verifyJobName(source: NonNullable<ReplicatorConfig['source']>): string {
  const text = source.redactedUrl;
  const path = URL.canParse(text) ? new URL(text).pathname : text;
  const last = decodeURIComponent(path.replace(/\/+$/, '').split('/').at(-1) ?? '');
  return last === '' ? source.kind : last;
}
