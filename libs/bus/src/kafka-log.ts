import type { Logger } from '@database-replicator/core';
import kafkajs from 'kafkajs';
import type { logCreator } from 'kafkajs';

// kafkajs is CommonJS; Node's ESM loader cannot see all of its named exports.
const { logLevel } = kafkajs;

/**
 * Routes kafkajs's own log lines to our logger, at their level; messages are fixed strings from
 * kafkajs and its fields go along as data. The client is created with `logLevel.ERROR`, so
 * only errors arrive here. The `Connection` namespace logs every error response of the protocol
 * (a heartbeat told to rejoin during a rebalance, a coordinator still loading) that the layers
 * above retry or handle; those go to `debug`, so `error` stays for what a human must act on.
 * An error carrying `retryCount` is one failed attempt of a retried request (a send to a
 * partition whose leader just moved); it is a warning, and the last attempt's failure reaches
 * the caller as a thrown error.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      // kafkajs's own timestamp and logger name duplicate pino's fields.
      const { message, ...fields } = log;
      const data: Record<string, unknown> = { kafkaNamespace: namespace, ...fields };
      delete data['timestamp'];
      delete data['logger'];
      if (namespace === 'Connection') logger.debug(data, message);
      else if (level === logLevel.ERROR && typeof fields['retryCount'] !== 'number') {
        logger.error(data, message);
      } else if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(data, message);
      else if (level === logLevel.INFO) logger.info(data, message);
      else logger.debug(data, message);
    };
}
