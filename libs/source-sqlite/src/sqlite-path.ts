import { detectSourceKind, replicatorError } from '@database-replicator/core';

const SQLITE_SCHEME = /^sqlite:\/\//i;

/**
 * The file path a SQLite source URL names (CLI.md): `sqlite:///abs/app.db` → `/abs/app.db`,
 * `sqlite://data/app.db` → `data/app.db` (relative to the working directory), and a bare path
 * ending `.db`, `.sqlite` or `.sqlite3` as it is. Nothing is percent-decoded: a path is a path.
 *
 * @throws ReplicatorError `REPL_CONFIG_SOURCE_SCHEME` when `url` is not a SQLite source, or
 *   `REPL_CONFIG_INVALID` when a `sqlite://` URL names no file.
 */
export function sqlitePathOf(url: string): string {
  const text = url.trim();
  if (detectSourceKind(text) !== 'sqlite') {
    throw replicatorError(
      'REPL_CONFIG_SOURCE_SCHEME',
      'The source is not a SQLite database; expected sqlite:///path or a path ending .db, .sqlite or .sqlite3',
    );
  }
  if (!SQLITE_SCHEME.test(text)) return text;
  const path = text.replace(SQLITE_SCHEME, '');
  if (path === '' || path === '/') {
    throw replicatorError('REPL_CONFIG_INVALID', `Source "${text}" names no SQLite file`, {
      fix: 'Write the file after the scheme: sqlite:///absolute/path.db or sqlite://relative/path.db.',
    });
  }
  return path;
}
