/**
 * Wire names of the loader on the bus: the dead-letter topic and the message headers it reads
 * and writes.
 */

/**
 * Header an extractor stamps on its messages when the bus outlives the process (Kafka): the job's
 * incarnation on its target (`JobRegistrar.registerJob`). A job's topics and consumer group
 * outlive its target, so a job started over on a new or emptied target finds what an earlier run
 * left past the loaders' last commit; the loader skips messages of an incarnation no job of its
 * target has. Messages without it (another producer) are applied.
 */
export const INCARNATION_HEADER = 'dr-incarnation';

/** Last segment of the dead-letter topic, `<prefix>.dead-letters`. */
export const DEAD_LETTER_TOPIC_SUFFIX = 'dead-letters';

/** Header of a dead letter carrying the `ReplicatorError` code of why it could not be applied. */
export const DEAD_LETTER_CODE_HEADER = 'dr-error-code';
