/**
 * A long-running `database-replicator` child process (test/support/cli.ts `runCliProcess`) whose
 * output is read while it runs: a test waits for a log line, signals the process and reads the
 * exit code. Only the process this helper started is ever signalled.
 */
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';

/** What the process printed and how it ended. */
export type CliOutcome = Readonly<{ exitCode: number | undefined; stdout: string; stderr: string }>;

export interface CliChild {
  /** Output so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once stderr or stdout matches `pattern`; rejects with the output tail on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Sends `signal` to this process. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process ends. */
  readonly done: Promise<CliOutcome>;
  /** Resolves when the process ends or after `timeoutMs` (then kills it and rejects). */
  exit(timeoutMs: number): Promise<CliOutcome>;
  /** SIGKILLs the process if it still runs (afterAll). */
  stop(): Promise<void>;
}

/** Starts `database-replicator <args>` against `urls`. */
export function startCli(
  args: readonly string[],
  urls: Readonly<{ sourceUrl: string; targetUrl: string }>,
): CliChild {
  const child = runCliProcess(args, urls);
  let stdout = '';
  let stderr = '';
  let ended = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done: Promise<CliOutcome> = child.then((result) => {
    ended = true;
    return { exitCode: result.exitCode, stdout, stderr };
  });
  const tail = (): string =>
    `exit ${ended ? 'yes' : 'no'}\n--- stdout\n${stdout.slice(-1500)}\n--- stderr\n${stderr.slice(-4000)}`;
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    signal: (signal) => {
      if (!ended) child.kill(signal);
    },
    waitFor: async (pattern, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr) && !pattern.test(stdout)) {
        if (ended) throw new Error(`the CLI ended before printing ${pattern}\n${tail()}`);
        if (Date.now() > deadline) {
          throw new Error(`the CLI did not print ${pattern} within ${timeoutMs} ms\n${tail()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    exit: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the CLI did not exit within ${timeoutMs} ms\n${tail()}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      if (!ended) child.kill('SIGKILL');
      await done;
    },
  };
}

/** The job id from the CLI's `pipeline started` log line. */
export function jobIdFromLog(stderr: string): string {
  const match = /"jobId":"([0-9a-f]+)"[^\n]*"msg":"pipeline started"/.exec(stderr);
  if (match?.[1] === undefined) throw new Error(`no "pipeline started" line in:\n${stderr}`);
  return match[1];
}

const LogLine = z.looseObject({ msg: z.string() });

/** Parsed JSON log lines of stderr whose `msg` is `message`. */
export function logLines(stderr: string, message: string): z.infer<typeof LogLine>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => LogLine.safeParse(JSON.parse(line)))
    .flatMap((parsed) => (parsed.success && parsed.data.msg === message ? [parsed.data] : []));
}

/** Job ids every one of `children` logged, for cleaning up after a test that failed early. */
export function startedJobIds(children: readonly CliChild[]): string[] {
  const ids = children.flatMap((child) =>
    [...child.stderr().matchAll(/"jobId":"([0-9a-f]+)"[^\n]*"msg":"pipeline started"/g)].map(
      (match) => match[1] ?? '',
    ),
  );
  return [...new Set(ids.filter((id) => id !== ''))];
}
