/**
 * Credential redaction for text that may reach a log line, an error message or a terminal.
 *
 * The rules err on the side of hiding too much: when it is unclear where a password ends, the
 * longer candidate is replaced. A garbled host in a log line is a nuisance; a leaked password
 * is an incident.
 */

/** What a redacted value is replaced with; short and recognisable in logs. */
export const REDACTED_VALUE = '***';

/**
 * `scheme://user:password@` in free text. The password runs to the LAST `@` before the next
 * whitespace, so an unencoded `@` or `/` inside a password is still covered.
 */
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]*):(\S*)@/gi;

/**
 * The same for a string known to be one URL: the password may then contain anything, even
 * whitespace a user pasted, up to the last `@` of the string.
 */
const WHOLE_URL = /^(\s*[a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@]*):([^]*)@/i;

/**
 * `password=value` in a libpq conninfo or a URL query, `PGPASSWORD=value` in an environment dump,
 * `"password": "value"` in JSON-ish text. The key must END with one of the words, so
 * `sslpassword` and `MYSQL_PWD` match and `password_hint` does not. Quoted values honour
 * backslash escapes (libpq's rule); bare values end at whitespace, `&` (query) or `;`.
 */
const KEY_VALUE =
  /([\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key)["']?\s*[:=]\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s&;]+)/gi;

/**
 * Replaces the password of one connection URL or conninfo string with `***`.
 *
 * Handles `scheme://user:pass@host` for every scheme (including `mongodb+srv`), multi-host
 * URLs, `password=` in the query string and libpq key/value conninfo (`host=h password=x`).
 * A URL without a password is returned unchanged.
 *
 * @param url - A connection URL or conninfo string, possibly malformed.
 * @returns The same text with every password replaced by `***`.
 */
export function redactUrl(url: string): string {
  return redactKeyValues(url.replace(WHOLE_URL, `$1$2:${REDACTED_VALUE}@`));
}

/**
 * Redacts every credential inside arbitrary text: each `scheme://user:pass@` URL and each
 * `password=` / `"password": "…"` pair. Used on log messages, log fields and error messages.
 *
 * @param text - Any text.
 * @returns The text with credentials replaced by `***`; unchanged if it contains none.
 */
export function redactText(text: string): string {
  return redactKeyValues(text.replace(URL_IN_TEXT, `$1$2:${REDACTED_VALUE}@`));
}

function redactKeyValues(text: string): string {
  return text.replace(KEY_VALUE, (_match, key: string, value: string) => {
    const quote = value.startsWith("'") || value.startsWith('"') ? value.charAt(0) : '';
    return `${key}${quote}${REDACTED_VALUE}${quote}`;
  });
}
