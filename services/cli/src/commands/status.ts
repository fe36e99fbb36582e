import { replicatorError } from '@database-replicator/core';
import type { CommandHandler } from '../command-context.js';

export const runStatus: CommandHandler = () =>
  Promise.reject(
    replicatorError('REPL_NOT_IMPLEMENTED', '"status" is not implemented yet', {
      fix: 'Follow the project issues for when it lands.',
    }),
  );
