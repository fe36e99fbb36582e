/**
 * Maps argv to a command and an exit code. Every failure becomes a one-line reason (plus its
 * fix) on stderr and an exit code from CLI.md; nothing here calls process.exit.
 */
import { createLogger, isReplicatorError, loadConfig, redactText } from '@database-replicator/core';
import { EXIT, type CliIo } from './command-context.js';
import { findCommand } from './command-table.js';
import { formatCommandHelp, formatGeneralHelp } from './help.js';
import { terminalLogDestination } from './log-format.js';
import { parseCommandLine } from './parse-flags.js';

export { EXIT } from './command-context.js';
export type { CliIo } from './command-context.js';

const USAGE_CODES = new Set(['REPL_CLI_USAGE', 'REPL_NOT_IMPLEMENTED']);

/** Options for {@link runCli} beyond argv and io. */
export interface RunCliOptions {
  /** Aborted when the user interrupts. Default: never aborted. */
  readonly signal?: AbortSignal;
  /** Where logs go. Default: stderr via io. */
  readonly logDestination?: { write(line: string): void };
}

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: RunCliOptions = {},
): Promise<number> {
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
    const config = await loadConfig({ flags: line.config, env: io.env });
    const toStderr = (text: string): void => io.stderr(text);
    const logger = createLogger({
      level: config.logLevel,
      destination:
        options.logDestination ??
        (io.stderrIsTty === true && !config.json
          ? terminalLogDestination(toStderr)
          : { write: toStderr }),
      name: 'database-replicator',
    });
    const signal = options.signal ?? new AbortController().signal;
    return await command.run({ config, line, io, logger, signal });
  } catch (error) {
    return reportFailure(error, io, options.signal);
  }
}

function reportFailure(error: unknown, io: CliIo, signal: AbortSignal | undefined): number {
  if (signal?.aborted === true) {
    io.stderr('interrupted; state saved, run the command again to continue\n');
    return EXIT.interrupted;
  }
  if (isReplicatorError(error)) {
    io.stderr(`error ${error.code}: ${error.message}\n  fix: ${error.fix}\n`);
    const configError = error.code.startsWith('REPL_CONFIG_') || USAGE_CODES.has(error.code);
    return configError ? EXIT.usage : EXIT.runtime;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`error: ${redactText(message)}\n`);
  return EXIT.runtime;
}
