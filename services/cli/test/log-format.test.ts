import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../src/log-format.js';

describe('formatLogLine', () => {
  it('shows time, level, message and fields, without pino bookkeeping', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      pid: 1,
      hostname: 'h',
      name: 'database-replicator',
      msg: 'native step finished',
      step: 'dump',
      durationMs: 886,
      table: 'public.my table',
    });
    expect(formatLogLine(line)).toBe(
      '03:04:05 info  native step finished step=dump durationMs=886 table="public.my table"',
    );
  });

  it('passes through lines that are not pino records', () => {
    expect(formatLogLine('plain text')).toBe('plain text');
    expect(formatLogLine('{"no":"msg"}')).toBe('{"no":"msg"}');
  });
});
