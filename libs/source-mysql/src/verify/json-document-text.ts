/**
 * A MariaDB/MySQL JSON document as the target's jsonb prints it: MariaDB cannot sort object keys
 * the way jsonb does, so the MySQL side of a table with JSON columns renders them in Node from
 * the same parsed value the replication writes (`parseExactJson`, then `jsonbText`). Pure.
 */
import { jsonbText, parseExactJson } from '@database-replicator/core';

// A number token that a double may not hold exactly: 16+ digits in a row, or an exponent.
const MAYBE_INEXACT = /\d{16}|\d[eE]/;

/**
 * A JSON document's text as jsonb prints it, or null for a JSON `null` document (replicated as
 * SQL NULL). Parsed as the replication parses it: `parseExactJson`, whose digit check is skipped
 * when no number could be inexact (no run of 16 digits, no exponent), the common case.
 *
 * @throws ReplicatorError what `parseExactJson` throws.
 */
export function jsonDocumentText(raw: string): string | null {
  let value: unknown;
  if (MAYBE_INEXACT.test(raw)) {
    value = parseExactJson(raw);
  } else {
    try {
      value = JSON.parse(raw);
    } catch {
      // Re-parsed for the replication's own error.
      value = parseExactJson(raw);
    }
  }
  return value === null ? null : jsonbText(value);
}
