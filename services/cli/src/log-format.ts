/**
 * Log lines for a person at a terminal: pino writes one JSON object per line; on a TTY the CLI
 * shows `HH:MM:SS level message key=value …` instead. Anything that is not a pino line passes
 * through unchanged. Redaction already happened in the logger, before this sees the line.
 */

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

// pino's own bookkeeping fields, not worth a person's attention.
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** Reformats one pino JSON line (without its newline) for a terminal. */
export function formatLogLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || !('msg' in record)) return line;
  const fields = record as Record<string, unknown>;
  const time = typeof fields['time'] === 'number' ? new Date(fields['time']) : new Date();
  const level = LEVEL_NAMES[Number(fields['level'])] ?? 'info';
  const extras = Object.entries(fields)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const clock = time.toISOString().slice(11, 19);
  return [clock, level.padEnd(5), String(fields['msg']), ...extras].join(' ');
}

/** A pino destination that writes formatted lines through `write`. */
export function terminalLogDestination(write: (text: string) => void): {
  write(chunk: string): void;
} {
  return {
    write: (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line.length > 0) write(`${formatLogLine(line)}\n`);
      }
    },
  };
}
