import type { Logger, ReplicatorConfig } from '@database-replicator/core';
import type { ParsedCommandLine } from './parse-flags.js';

/** Where a command writes: stdout for results (tables, JSON), stderr for logs and errors. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (progress bars, live views); false under --json or a pipe. */
  readonly isTty?: boolean;
  /** Whether stderr is a terminal: logs are then shown as readable lines instead of JSON. */
  readonly stderrIsTty?: boolean;
}

/** Everything a command needs, built once by cli.ts. */
export interface CommandContext {
  readonly config: ReplicatorConfig;
  readonly line: ParsedCommandLine;
  readonly io: CliIo;
  readonly logger: Logger;
  /** Aborted on SIGINT/SIGTERM: stop at the next checkpoint and return EXIT.interrupted. */
  readonly signal: AbortSignal;
}

/** A command: resolves to its exit code; throws ReplicatorErrors for cli.ts to report. */
export type CommandHandler = (context: CommandContext) => Promise<number>;

/** Exit codes of CLI.md. */
export const EXIT = Object.freeze({
  ok: 0,
  checkFailed: 1,
  usage: 2,
  runtime: 3,
  interrupted: 130,
});
