/**
 * The libpq connection string a subscription uses to reach the source. It necessarily carries
 * the password when the URL has one: PostgreSQL stores it in pg_subscription.subconninfo on the
 * target (readable by superusers only), its own catalog, and that is the one place it goes. It
 * is returned as a Secret, never logged, and never written to our checkpoints or argv.
 */
import { Secret } from '@database-replicator/core';

// URL query parameters that are libpq connection keywords a subscription may need (TLS,
// timeouts, target_session_attrs...). Anything else in the query is not passed on.
const PASSED_PARAMETERS = new Set([
  'sslmode',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslcrl',
  'sslcrldir',
  'sslsni',
  'sslpassword',
  'sslcompression',
  'channel_binding',
  'connect_timeout',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'target_session_attrs',
  'gssencmode',
  'krbsrvname',
  'requirepeer',
  'options',
  'application_name',
]);

/** Quotes a conninfo value: single quotes, with `\` and `'` backslash-escaped (libpq's rule). */
export function quoteConninfoValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * `host=… port=… dbname=… user=… password=…` (plus TLS and timeout parameters from the URL's
 * query) for `url`, with the database replaced by `database`.
 */
export function buildConninfo(url: Secret, database: string): Secret {
  const parsed = new URL(url.reveal());
  const pairs: [string, string][] = [
    ['host', parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost'],
    ['port', parsed.port || '5432'],
    ['dbname', database],
  ];
  const user = decodeURIComponent(parsed.username);
  if (user !== '') pairs.push(['user', user]);
  const password = decodeURIComponent(parsed.password);
  if (password !== '') pairs.push(['password', password]);
  for (const [key, value] of parsed.searchParams) {
    if (PASSED_PARAMETERS.has(key)) pairs.push([key, value]);
  }
  return new Secret(pairs.map(([key, value]) => `${key}=${quoteConninfoValue(value)}`).join(' '));
}
