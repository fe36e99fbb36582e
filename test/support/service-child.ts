/**
 * A service (loader, coordinator, extractor) as a child process, the way an operator runs it:
 * its settings come from the environment only (URLs never in argv), its JSON log lines on stderr
 * are parsed as they arrive, and its HTTP server is reached on the port it logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.js';

/** One parsed JSON log line of a child; a line that is not JSON is `{ msg: 'unparsed', text }`. */
export type LogLine = Readonly<Record<string, unknown>>;

/** A service child process (`node <args>`) and its parsed log lines. */
export class ServiceChild {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #buffer = '';

  constructor(args: readonly string[], env: Readonly<Record<string, string>>) {
    // Only what the child needs, plus PATH: its settings come from the environment, never argv.
    this.#child = spawn(process.execPath, args, {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => this.#read(chunk));
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  /** The first log line with message `msg`, waiting up to `timeoutMs`. */
  async waitForLog(msg: string, timeoutMs = 30_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitFor(
      `log "${msg}"`,
      () => {
        found = this.lines.find((line) => line['msg'] === msg);
        return found !== undefined;
      },
      timeoutMs,
    );
    if (found === undefined) throw new Error(`no log "${msg}"`);
    return found;
  }

  /** GETs `path` from its HTTP server (the port it logged). */
  async get(path: string): Promise<{ status: number; body: unknown }> {
    const port = (await this.waitForLog('http server listening'))['port'];
    if (typeof port !== 'number') throw new Error('the listening log line has no port');
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.json() };
  }

  /** Waits until `/readyz` answers 200. */
  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor('ready', async () => (await this.get('/readyz')).status === 200, timeoutMs);
  }

  /** kill -9. */
  async kill9(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
    }
    return this.exited;
  }

  /** Everything it logged, for a failing assertion's message. */
  get output(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    const parts = this.#buffer.split('\n');
    this.#buffer = parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(part));
      } catch {
        this.lines.push({ msg: 'unparsed', text: part });
      }
    }
  }
}
