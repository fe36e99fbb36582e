/**
 * Maps argv to a command and an exit code. Every failure becomes a one-line reason (plus its
 * fix) on stderr and an exit code from CLI.md; nothing here calls process.exit.
 */
import { isReplicatorError, loadConfig, redactText } from '@database-replicator/core';
import { findCommand } from './command-table.js';
import { formatCommandHelp, formatGeneralHelp } from './help.js';
import { parseCommandLine } from './parse-flags.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const EXIT = Object.freeze({
  ok: 0,
  checkFailed: 1,
  usage: 2,
  runtime: 3,
  interrupted: 130,
});

const USAGE_CODES = new Set(['REPL_CLI_USAGE', 'REPL_NOT_IMPLEMENTED']);

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(formatGeneralHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout('0.1.0\n');
    return EXIT.ok;
  }
  const command = findCommand(name);
  if (command === undefined) {
    io.stderr(`error: unknown command "${name}"; run database-replicator --help for the list\n`);
    return EXIT.usage;
  }
  try {
    const line = parseCommandLine(rest);
    if (line.values.help === true) {
      io.stdout(formatCommandHelp(command));
      return EXIT.ok;
    }
    await loadConfig({ flags: line.config, env: io.env });
    io.stderr(`error: "${command.name}" is not implemented yet\n`);
    return EXIT.usage;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (isReplicatorError(error)) {
    io.stderr(`error ${error.code}: ${error.message}\n  fix: ${error.fix}\n`);
    const configError = error.code.startsWith('REPL_CONFIG_') || USAGE_CODES.has(error.code);
    return configError ? EXIT.usage : EXIT.runtime;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`error: ${redactText(message)}\n`);
  return EXIT.runtime;
}
