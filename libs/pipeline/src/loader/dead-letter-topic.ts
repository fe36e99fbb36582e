import { DEAD_LETTER_TOPIC_SUFFIX } from './constants.js';

/**
 * The dead-letter topic of a topic prefix: `<prefix>.dead-letters`. It has two segments after
 * the prefix fewer than an event topic (`<prefix>.<source>.<schema>.<table>`), so topic
 * discovery never takes it for one.
 */
export function deadLetterTopic(prefix: string): string {
  return `${prefix}.${DEAD_LETTER_TOPIC_SUFFIX}`;
}
