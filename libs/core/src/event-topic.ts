import { KAFKA_TOPIC_CHARS, KAFKA_TOPIC_MAX_LENGTH } from './constants.js';
import { replicatorError } from './errors.js';

/**
 * Topic names: `<prefix>.<source-name>.<schema>.<table>` (ARCHITECTURE §3).
 *
 * Kafka allows only `[A-Za-z0-9._-]` and `.` separates our segments, so every other character
 * of a segment, and `.` itself, is written as `_x<HEX>_` (its Unicode code point in upper-case
 * hex): `my table` → `my_x20_table`, `café` → `caf_xE9_`. `_` stays as is, except an `_` that
 * is followed by `x`, which is escaped (`_x5F_`) so that every `_x` in a topic starts an escape
 * and decoding is unambiguous. Names made of letters, digits, `-` and `_` read unchanged.
 */

const PLAIN = /^[A-Za-z0-9-]$/u;
const ESCAPE = /_x([0-9A-F]{1,6})_/g;

/** Parts of a topic written by {@link eventTopic}. */
export type EventTopicParts = Readonly<{ sourceName: string; schema: string; table: string }>;

/**
 * Builds the topic of a table's change events.
 *
 * @param prefix - Topic prefix chosen by the operator; used verbatim, must already be a valid
 *   Kafka name without empty segments (`acme.prod` is fine).
 * @param sourceName - The source's configured name.
 * @param schemaOrDb - The schema, or the database for MySQL/MariaDB and MongoDB.
 * @param table - The table or collection.
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` for an invalid prefix, an empty part, or a
 *   result longer than Kafka's 249 characters.
 */
export function eventTopic(
  prefix: string,
  sourceName: string,
  schemaOrDb: string,
  table: string,
): string {
  checkPrefix(prefix);
  const parts = [sourceName, schemaOrDb, table].map((part) => {
    if (part === '')
      throw replicatorError(
        'REPL_IDENTIFIER_INVALID',
        'A topic segment (source name, schema or table) is empty',
      );
    return escapeTopicPart(part);
  });
  const topic = [prefix, ...parts].join('.');
  if (topic.length > KAFKA_TOPIC_MAX_LENGTH) {
    throw replicatorError(
      'REPL_IDENTIFIER_INVALID',
      `Topic "${topic}" is ${topic.length} characters; Kafka allows ${KAFKA_TOPIC_MAX_LENGTH}`,
      {
        fix: 'Use a shorter topic prefix or source name.',
      },
    );
  }
  return topic;
}

/**
 * Splits a topic written by {@link eventTopic} back into its decoded parts.
 *
 * @throws ReplicatorError `REPL_IDENTIFIER_INVALID` if `topic` does not start with `prefix.`,
 *   does not have exactly three further segments, or contains an invalid escape.
 */
export function parseEventTopic(prefix: string, topic: string): EventTopicParts {
  const segments = topic.startsWith(`${prefix}.`) ? topic.slice(prefix.length + 1).split('.') : [];
  const [sourceName, schema, table] = segments.map(unescapeTopicPart);
  if (
    segments.length !== 3 ||
    sourceName === undefined ||
    schema === undefined ||
    table === undefined
  ) {
    throw replicatorError(
      'REPL_IDENTIFIER_INVALID',
      `Topic "${topic}" is not "${prefix}.<source-name>.<schema>.<table>"`,
    );
  }
  return Object.freeze({ sourceName, schema, table });
}

function checkPrefix(prefix: string): void {
  if (!KAFKA_TOPIC_CHARS.test(prefix) || prefix.split('.').includes('')) {
    throw replicatorError(
      'REPL_IDENTIFIER_INVALID',
      `Topic prefix "${prefix}" is not a valid Kafka topic name`,
      {
        fix: 'Use letters, digits, "-", "_" and single dots between non-empty segments.',
      },
    );
  }
}

function escapeTopicPart(part: string): string {
  const chars = Array.from(part);
  return chars
    .map((char, index) => {
      if (PLAIN.test(char) || (char === '_' && chars[index + 1] !== 'x')) return char;
      return `_x${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}_`;
    })
    .join('');
}

function unescapeTopicPart(part: string): string {
  const decoded = part.replace(ESCAPE, (_match, hex: string) => {
    const codePoint = Number.parseInt(hex, 16);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '\uFFFD';
  });
  // Only canonical encodings are accepted, so each name has exactly one topic.
  if (decoded === '' || escapeTopicPart(decoded) !== part) {
    throw replicatorError(
      'REPL_IDENTIFIER_INVALID',
      `Topic segment "${part}" is not a valid escaped name`,
    );
  }
  return decoded;
}
