/**
 * The stream's encoding requirement: pgoutput sends text in the database's own encoding (no
 * client_encoding conversion on a walsender), and the stream decodes it as UTF-8.
 */
import { replicatorError } from '@database-replicator/core';
import type pg from 'pg';

/**
 * @throws ReplicatorError `REPL_SOURCE_ENCODING_UNSUPPORTED` unless the connected database is
 *   UTF8-encoded.
 */
export async function assertUtf8(client: pg.ClientBase, database: string): Promise<void> {
  const { rows } = await client.query<{ encoding: string }>(
    'SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()',
  );
  const encoding = rows[0]?.encoding ?? 'unknown';
  if (encoding !== 'UTF8') {
    throw replicatorError(
      'REPL_SOURCE_ENCODING_UNSUPPORTED',
      `Database ${database} is encoded in ${encoding}; the pipeline streams UTF8 databases only`,
      { details: { database, encoding } },
    );
  }
}
