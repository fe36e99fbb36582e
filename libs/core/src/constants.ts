/** Wire-level names and limits shared by the libs. */

/** Kafka's maximum topic name length (characters). */
export const KAFKA_TOPIC_MAX_LENGTH = 249;

/** Characters Kafka allows in a topic name. */
export const KAFKA_TOPIC_CHARS = /^[A-Za-z0-9._-]+$/;
