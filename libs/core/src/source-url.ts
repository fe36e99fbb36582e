import { replicatorError } from './errors.js';
import { redactUrl } from './redact.js';

/** The source engines; also the `kind` of their positions. */
export type SourceKind = 'postgres' | 'mysql' | 'mongodb' | 'sqlite';

/** Every {@link SourceKind}, for schemas and help texts. */
export const SOURCE_KINDS: readonly SourceKind[] = Object.freeze([
  'postgres',
  'mysql',
  'mongodb',
  'sqlite',
]);

const KIND_BY_SCHEME: ReadonlyMap<string, SourceKind> = new Map([
  ['postgresql', 'postgres'],
  ['postgres', 'postgres'],
  ['mysql', 'mysql'],
  ['mariadb', 'mysql'],
  ['mongodb', 'mongodb'],
  ['mongodb+srv', 'mongodb'],
  ['sqlite', 'sqlite'],
]);

/** A URL scheme; a single letter is a Windows drive (`C:\data\app.db`), not a scheme. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
const SQLITE_FILE = /\.(?:db|sqlite|sqlite3)$/i;

/** The accepted forms, as shown in error messages (CLI.md). */
const ACCEPTED_FORMS =
  'postgresql:// or postgres://, mysql:// or mariadb://, mongodb:// or mongodb+srv://, sqlite:///path, or a file path ending .db, .sqlite or .sqlite3';

/**
 * Detects the source engine from a source URL (CLI.md): `postgresql://`/`postgres://`,
 * `mysql://`/`mariadb://`, `mongodb://`/`mongodb+srv://`, `sqlite:///path`, or a bare file path
 * ending `.db`, `.sqlite` or `.sqlite3`. Schemes are case-insensitive.
 *
 * @throws ReplicatorError `REPL_CONFIG_SOURCE_SCHEME` with the redacted URL and the accepted forms.
 */
export function detectSourceKind(url: string): SourceKind {
  const kind = sourceKindOf(url);
  if (kind === undefined)
    throw replicatorError('REPL_CONFIG_SOURCE_SCHEME', sourceSchemeMessage(url));
  return kind;
}

/** {@link detectSourceKind} without the throw; `undefined` when the form is not accepted. */
export function sourceKindOf(url: string): SourceKind | undefined {
  const text = url.trim();
  const scheme = SCHEME.exec(text)?.[1];
  if (scheme !== undefined) return KIND_BY_SCHEME.get(scheme.toLowerCase());
  return SQLITE_FILE.test(text) ? 'sqlite' : undefined;
}

/** The message of a `REPL_CONFIG_SOURCE_SCHEME` error; shows the URL redacted. */
export function sourceSchemeMessage(url: string): string {
  return `Source "${redactUrl(url.trim())}" is not a supported source URL; expected ${ACCEPTED_FORMS}`;
}
