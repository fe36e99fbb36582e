import { replicatorError } from '@database-replicator/core';
import { runServiceProcess, type ServiceProcess } from '@database-replicator/runtime';
import { describe, expect, it } from 'vitest';

/**
 * A process whose signals the test sends. Its exit only records the code: the forced-exit timer
 * may fire after the test ended, when a throw would fail an unrelated test.
 */
function fakeProcess() {
  const listeners = new Map<string, (signal: NodeJS.Signals) => void>();
  const written: string[] = [];
  const exits: number[] = [];
  const proc: ServiceProcess = {
    // Started with its own heap growth, so the test's worker keeps V8's default.
    execArgv: ['--heap-growing-percent=0'],
    on: (event, listener) => listeners.set(event, listener),
    exit: (code) => {
      exits.push(code);
      return undefined as never;
    },
    stderr: { write: (text) => written.push(text) },
  };
  const send = (signal: NodeJS.Signals) => listeners.get(signal)?.(signal);
  return { proc, send, written, exits };
}

describe('runServiceProcess', () => {
  it('stops the service at the first SIGTERM and returns its exit code', async () => {
    const { proc, send, exits } = fakeProcess();
    const running = runServiceProcess(proc, 'loader', async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return 0;
    });
    send('SIGTERM');
    await expect(running).resolves.toBe(0);
    expect(exits).toEqual([]);
  });

  it('exits with 130 at a second signal', async () => {
    const { proc, send, written, exits } = fakeProcess();
    void runServiceProcess(proc, 'loader', () => new Promise<number>(() => undefined));
    send('SIGINT');
    expect(exits).toEqual([]);
    send('SIGINT');
    expect(exits).toEqual([130]);
    expect(written).toEqual(['loader: second SIGINT, exiting now\n']);
  });

  it('turns a failure into one stderr line and its exit code, without the secret', async () => {
    const { proc, written } = fakeProcess();
    const config = await runServiceProcess(proc, 'loader', () =>
      Promise.reject(
        replicatorError('REPL_CONFIG_INVALID', 'DR_BUS is not a bus URL.', { fix: 'Set DR_BUS.' }),
      ),
    );
    const runtime = await runServiceProcess(proc, 'loader', () =>
      Promise.reject(new Error('connect to postgres://u:hunter2@127.0.0.1/db failed')),
    );
    expect([config, runtime]).toEqual([2, 3]);
    expect(written[0]).toBe(
      'loader: REPL_CONFIG_INVALID: DR_BUS is not a bus URL. Fix: Set DR_BUS.\n',
    );
    expect(written[1]).toMatch(/^loader: unexpected failure: /);
    expect(written[1]).not.toContain('hunter2');
  });
});
