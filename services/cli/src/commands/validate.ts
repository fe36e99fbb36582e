import { replicatorError } from '@database-replicator/core';
import type { CommandHandler } from '../command-context.js';

export const runValidate: CommandHandler = () =>
  Promise.reject(
    replicatorError('REPL_NOT_IMPLEMENTED', '"validate" is not implemented yet', {
      fix: 'Follow the project issues for when it lands.',
    }),
  );
