/**
 * `cutover` for native PostgreSQL → PostgreSQL replication: confirm (or `-y`), wait until the
 * target has applied the source's WAL (`--max-lag BYTES` accepts a bound, `--wait-timeout
 * SECONDS` limits the wait), disable the subscriptions, advance the target's sequences, and with
 * `--drop-slot` drop subscriptions, slots and unused publications; then print a summary (text,
 * or one JSON document with `--json`). The steps live in libs/postgres (cutoverNativeReplication).
 */
import { createInterface } from 'node:readline/promises';
import { replicatorError } from '@database-replicator/core';
import {
  cutoverNativeReplication,
  type CatchUpProgress,
  type CutoverSummary,
} from '@database-replicator/postgres';
import { EXIT, type CommandContext, type CommandHandler } from '../command-context.js';
import { formatBytes, renderJson, renderTable } from '../output.js';
import { loadModule } from '../load-module.js';
import { isNoSubscription, reportNoSubscription, withNativeReplication } from './status.js';

const DEFAULT_WAIT_TIMEOUT_S = 300;
const PROGRESS_LOG_INTERVAL_MS = 2_000;
const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

export const runCutover: CommandHandler = async (ctx) => {
  const maxLagBytes = parseMaxLag(ctx.line.values['max-lag']);
  const waitTimeoutMs = parseWaitTimeout(ctx.line.values['wait-timeout']);
  const dropSlot = ctx.line.values['drop-slot'] === true;
  if (!ctx.config.yes && !(await confirm(ctx, dropSlot))) {
    ctx.io.stderr('cutover cancelled; nothing was changed\n');
    return EXIT.checkFailed;
  }
  if (ctx.config.source?.kind === 'sqlite') {
    // Its SQLite driver and the runtime load only for a SQLite source.
    const { runSqliteCutover } = await loadModule(
      'the SQLite cutover',
      () => import('./sqlite-cutover.js'),
    );
    return runSqliteCutover(ctx, waitTimeoutMs);
  }
  return withNativeReplication(ctx, 'cutover', async (source, target, targetName) => {
    let summary: CutoverSummary;
    try {
      summary = await cutoverNativeReplication(source, target, {
        targetName,
        maxLagBytes,
        waitTimeoutMs,
        dropSlot,
        logger: ctx.logger,
        signal: ctx.signal,
        onProgress: progressLogger(ctx),
      });
    } catch (error) {
      if (isNoSubscription(error)) return reportNoSubscription(ctx, error);
      throw error;
    }
    for (const warning of summary.warnings) ctx.logger.warn({ warning }, 'cutover warning');
    ctx.io.stdout(ctx.config.json ? renderJson(summary) : renderSummary(summary));
    return EXIT.ok;
  });
};

/** `--max-lag`: whole bytes, optionally with a unit (B, kB, MB, GB; powers of 1024). Default 0. */
function parseMaxLag(text: string | undefined): number {
  if (text === undefined) return 0;
  const match = /^\s*([0-9]+)\s*([kmg]?b)?\s*$/i.exec(text);
  const unit = BYTE_UNITS[(match?.[2] ?? 'b').toLowerCase()];
  if (match?.[1] === undefined || unit === undefined) {
    throw replicatorError('REPL_CLI_USAGE', `--max-lag "${text}" is not a byte count`, {
      fix: 'Write --max-lag as whole bytes, optionally with a unit: 0, 65536, 16MB.',
    });
  }
  return Number(match[1]) * unit;
}

/** `--wait-timeout`: seconds, more than 0. Default 300. */
function parseWaitTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WAIT_TIMEOUT_S * 1000;
  const seconds = /^\s*[0-9]+(?:\.[0-9]+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds > 0)) {
    throw replicatorError('REPL_CLI_USAGE', `--wait-timeout "${text}" is not a number of seconds`, {
      fix: 'Write --wait-timeout as seconds greater than 0, e.g. --wait-timeout 600.',
    });
  }
  return Math.round(seconds * 1000);
}

/**
 * Asks on the terminal whether to go ahead. Without a terminal (scripts, CI) there is nobody to
 * ask, so that is a usage error pointing at -y rather than a silent yes or a hang.
 */
async function confirm(ctx: CommandContext, dropSlot: boolean): Promise<boolean> {
  // The prompt needs a terminal on both ends: stdout to show it and stdin to read the answer.
  if (ctx.io.isTty !== true || process.stdin.isTTY !== true) {
    throw replicatorError(
      'REPL_CLI_USAGE',
      'cutover stops replication and changes the target, and there is no terminal to confirm it on',
      { fix: 'Pass -y (--yes) to confirm the cutover without a prompt.' },
    );
  }
  const what = dropSlot
    ? 'drop the subscriptions, their slots and unused publications'
    : 'disable the subscriptions';
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Wait for zero lag, advance the target's sequences and ${what}? [y/N] `,
      { signal: ctx.signal },
    );
    return /^\s*y(?:es)?\s*$/i.test(answer);
  } finally {
    prompt.close();
  }
}

function progressLogger(ctx: CommandContext): (progress: CatchUpProgress) => void {
  let lastLogAt = Number.NEGATIVE_INFINITY;
  return (progress) => {
    if (progress.caughtUp || Date.now() - lastLogAt < PROGRESS_LOG_INTERVAL_MS) return;
    lastLogAt = Date.now();
    const waited = progress.subscriptions.filter((s) => s.waitedFor);
    ctx.logger.info(
      {
        goalLsn: progress.goalLsn,
        elapsedMs: progress.elapsedMs,
        remainingBytes: Math.max(0, ...waited.map((s) => s.remainingBytes ?? 0)),
        unknownLag: waited.filter((s) => s.remainingBytes === null).map((s) => s.name),
        tablesNotReady: waited.reduce((sum, s) => sum + s.tablesNotReady, 0),
      },
      'waiting for replication to catch up',
    );
  };
}

function renderSummary(summary: CutoverSummary): string {
  const head =
    `cutover done: replication stopped at source LSN ${summary.goalLsn} ` +
    `(waited ${(summary.waitedMs / 1000).toFixed(1)} s, max lag ${formatBytes(summary.maxLagBytes)})\n\n`;
  const subscriptions = renderTable(
    ['subscription', 'lag at cutover', 'subscription now', 'slot'],
    summary.subscriptions.map((s) => [
      s.name,
      s.lagBytes === null ? '?' : formatBytes(s.lagBytes),
      s.dropped ? 'dropped' : 'disabled',
      s.slot === 'kept' && s.slotName !== null
        ? `${s.slotName} kept${s.walRetainedBytes === null ? '' : ` (${formatBytes(s.walRetainedBytes)} WAL retained)`}`
        : `${s.slotName ?? '-'} ${s.slot}`,
    ]),
  );
  const sequences =
    summary.sequences.length === 0
      ? 'no sequences on the source\n'
      : renderTable(
          ['sequence', 'before', 'after', 'action'],
          summary.sequences.map((s) => [
            `${s.schema}.${s.name}`,
            s.before ?? '-',
            s.after ?? '-',
            s.action.replaceAll('-', ' '),
          ]),
        );
  const publications =
    summary.publications.length === 0
      ? ''
      : `\n${renderTable(
          ['publication', 'action', 'reason'],
          summary.publications.map((p) => [p.name, p.action, p.reason ?? '']),
        )}`;
  const warnings =
    summary.warnings.length === 0
      ? ''
      : `\nwarnings:\n${summary.warnings.map((w) => `  - ${w}\n`).join('')}`;
  return `${head}${subscriptions}\n${sequences}${publications}${warnings}`;
}
