import { replicatorError } from '@database-replicator/core';
import type { CommandHandler } from '../command-context.js';

export const runVerify: CommandHandler = () =>
  Promise.reject(
    replicatorError('REPL_NOT_IMPLEMENTED', '"verify" is not implemented yet', {
      fix: 'Follow the project issues for when it lands.',
    }),
  );
