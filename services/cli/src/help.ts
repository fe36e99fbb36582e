import { COMMANDS, type CommandSpec } from './command-table.js';

export function formatGeneralHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `database-replicator: move a live database into PostgreSQL and keep it in sync

Usage: database-replicator <command> [options]

Commands:
${lines.join('\n')}

Global options:
  -y, --yes          never prompt
  --json             machine-readable output on stdout, logs on stderr
  --log-level LEVEL  trace|debug|info|warn|error (default info)
  --state-dir DIR    where checkpoints are kept
  -h, --help         help for a command: database-replicator <command> --help

Sources: postgresql://, mysql:// or mariadb://, mongodb://, sqlite:///path (or *.db, *.sqlite, *.sqlite3).
Target: postgresql://. Passwords are never echoed.

Exit codes: 0 success, 1 a check failed or differences found, 2 usage or configuration error,
3 runtime failure, 130 interrupted (state saved).
`;
}

export function formatCommandHelp(command: CommandSpec): string {
  return `${command.summary}\n\nUsage: ${command.usage}\n`;
}
