/**
 * The `_id` column of a target table is text. Each `_id` has exactly one text form and each text
 * form stands for exactly one `_id` value, so the primary key never merges two documents and a
 * stored snapshot key can be turned back into the BSON value to resume the scan after:
 *
 * - ObjectId: 24 lower-case hex digits (`65f0c1…`).
 * - string: the string itself, unless it would read as another form (24 lower-case hex digits,
 *   `true`, `false`, `null`, or text starting with `{`, `[` or `"`): then its JSON string literal
 *   (`"65f0c1…"`, with the quotes).
 * - any other type: its canonical Extended JSON v2 text (`{"$numberInt":"5"}`,
 *   `{"$date":{"$numberLong":"1700000000000"}}`, `{"a":{"$numberInt":"1"}}`).
 */
import { BSON, ObjectId } from 'mongodb';

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;
const LITERALS: ReadonlySet<string> = new Set(['true', 'false', 'null']);

/** The text form of an `_id` value (read with `promoteValues: false`). */
export function idText(id: unknown): string {
  if (id instanceof ObjectId) return id.toHexString();
  if (typeof id === 'string') return looksLikeOtherForm(id) ? JSON.stringify(id) : id;
  return BSON.EJSON.stringify(id, { relaxed: false });
}

/**
 * The `_id` value of a text form written by {@link idText}.
 *
 * @throws SyntaxError when the text starts like Extended JSON but is not.
 */
export function idFromText(text: string): unknown {
  if (OBJECT_ID_HEX.test(text)) return ObjectId.createFromHexString(text);
  if (text.startsWith('"')) return String(JSON.parse(text));
  if (looksLikeOtherForm(text)) return BSON.EJSON.parse(text, { relaxed: false });
  return text;
}

function looksLikeOtherForm(text: string): boolean {
  return OBJECT_ID_HEX.test(text) || LITERALS.has(text) || /^[{["]/.test(text);
}
