/**
 * Wire names of the loader on the bus: the dead-letter topic and its message headers.
 */

/** Last segment of the dead-letter topic, `<prefix>.dead-letters`. */
export const DEAD_LETTER_TOPIC_SUFFIX = 'dead-letters';

/** Header of a dead letter carrying the `ReplicatorError` code of why it could not be applied. */
export const DEAD_LETTER_CODE_HEADER = 'dr-error-code';
