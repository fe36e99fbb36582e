/**
 * Child processes the benchmark times: pg_dump, pg_restore, pgloader, our CLI.
 *
 * A child runs with the environment it is given and nothing else (no inherited URLs or
 * passwords), with its output kept in bounded tails for error messages, its wall time taken from
 * spawn to exit and its memory sampled by an RssSampler until it exits.
 *
 * States: running -> exited (done resolves; never rejects, a spawn failure is reported as
 * exitCode null with the error). `stop()` sends SIGTERM, then SIGKILL after `graceMs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { RssSampler } from './rss-sampler.js';

const TAIL_BYTES = 16 * 1024;

export type ChildOutcome = Readonly<{
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  peakRssBytes: number | null;
  stdoutTail: string;
  stderrTail: string;
  spawnError: Error | null;
  timedOut: boolean;
}>;

export type ChildOptions = Readonly<{
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** False when another child reads this one's stdout (see `stdinFrom`); the tail stays empty. */
  captureStdout?: boolean;
  /** Feeds stdin from this child's stdout (a shell-free pipe). */
  stdinFrom?: ChildProcess;
  /** Stops the child (SIGTERM, then SIGKILL) after this long; the outcome says `timedOut`. */
  timeoutMs?: number;
}>;

/** The base environment a tool needs: PATH, locale, HOME, TMPDIR; no secrets. */
export function toolEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...extra };
}

function appendTail(tail: string, chunk: Buffer): string {
  const next = tail + chunk.toString('utf8');
  return next.length > TAIL_BYTES ? next.slice(next.length - TAIL_BYTES) : next;
}

export class MeasuredChild {
  readonly process: ChildProcess;
  readonly sampler: RssSampler | null;
  readonly done: Promise<ChildOutcome>;
  #exited = false;
  readonly #lineWatches: { matches: (line: string) => boolean; resolve: () => void }[] = [];

  constructor(command: string, args: readonly string[], options: ChildOptions) {
    const started = performance.now();
    this.process = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: [options.stdinFrom === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    this.sampler = this.process.pid === undefined ? null : new RssSampler(this.process.pid);
    let stdoutTail = '';
    let stderrTail = '';
    if (options.stdinFrom?.stdout != null && this.process.stdin !== null) {
      options.stdinFrom.stdout.pipe(this.process.stdin);
      // EPIPE when the reader exits early: its exit code tells what happened.
      this.process.stdin.on('error', () => undefined);
    }
    if (options.captureStdout !== false) {
      this.process.stdout?.on(
        'data',
        (chunk: Buffer) => (stdoutTail = appendTail(stdoutTail, chunk)),
      );
    }
    let stderrLine = '';
    this.process.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = appendTail(stderrTail, chunk);
      const lines = (stderrLine + chunk.toString('utf8')).split('\n');
      stderrLine = lines.pop() ?? '';
      for (const line of lines) this.#watchLine(line);
    });
    let timedOut = false;
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void this.stop(10_000); // settles through `done`, which never rejects
          }, options.timeoutMs);
    this.done = new Promise<ChildOutcome>((resolve) => {
      let spawnError: Error | null = null;
      this.process.on('error', (error) => {
        spawnError = error;
      });
      this.process.on('close', (exitCode, signal) => {
        this.#exited = true;
        clearTimeout(timeout);
        this.sampler?.stop();
        resolve(
          Object.freeze({
            exitCode,
            signal,
            wallMs: performance.now() - started,
            peakRssBytes: this.sampler?.peakBytes() ?? null,
            stdoutTail,
            stderrTail,
            spawnError,
            timedOut,
          }),
        );
      });
    });
  }

  /** Resolves once the child writes a stderr line that `matches`; never, if it exits without one. */
  stderrLineSeen(matches: (line: string) => boolean): Promise<void> {
    return new Promise((resolve) => this.#lineWatches.push({ matches, resolve }));
  }

  #watchLine(line: string): void {
    for (const watch of this.#lineWatches.filter((w) => w.matches(line))) {
      this.#lineWatches.splice(this.#lineWatches.indexOf(watch), 1);
      watch.resolve();
    }
  }

  /** SIGTERM, then SIGKILL when it has not exited after `graceMs`; resolves with the outcome. */
  async stop(graceMs = 30_000): Promise<ChildOutcome> {
    if (!this.#exited) this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.#exited) this.process.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a command to completion. */
export function runMeasured(
  command: string,
  args: readonly string[],
  options: ChildOptions,
): Promise<ChildOutcome> {
  return new MeasuredChild(command, args, options).done;
}

/** A short description of a failed outcome, for an error message: exit status and stderr tail. */
export function describeFailure(name: string, outcome: ChildOutcome): string {
  if (outcome.spawnError !== null) return `${name} could not start: ${outcome.spawnError.message}`;
  const how = outcome.timedOut
    ? 'timed out and was stopped'
    : outcome.signal !== null
      ? `was killed by ${outcome.signal}`
      : `exited with code ${String(outcome.exitCode)}`;
  const tail = (outcome.stderrTail.trim() || outcome.stdoutTail.trim())
    .split('\n')
    .slice(-8)
    .join('\n  ');
  return `${name} ${how}${tail === '' ? '' : `:\n  ${tail}`}`;
}
