import { replicatorError } from '@database-replicator/core';
import type { CommandHandler } from '../command-context.js';

export const runInit: CommandHandler = () =>
  Promise.reject(
    replicatorError('REPL_NOT_IMPLEMENTED', '"init" is not implemented yet', {
      fix: 'Follow the project issues for when it lands.',
    }),
  );
