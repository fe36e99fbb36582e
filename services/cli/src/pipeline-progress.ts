/**
 * Progress of a pipeline run with rate and ETA: one line redrawn on a terminal, a structured log
 * line every few seconds otherwise (ARCHITECTURE §8).
 */
import { formatTableRef, type Logger } from '@database-replicator/core';
import type { ExtractorProgress, LoaderStats } from '@database-replicator/pipeline';
import type { CliIo } from './command-context.js';

const TTY_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 5_000;

/** Collects extractor and loader progress and shows it at a bounded rate. */
export class PipelineProgress {
  readonly #io: CliIo;
  readonly #logger: Logger;
  readonly #startedAt = Date.now();
  readonly #tables = new Map<string, { rows: number; estimated: number }>();
  #streamEvents = 0;
  #applied = 0;
  #deadLettered = 0;
  #lastShown = 0;
  #drawn = false;

  constructor(io: CliIo, logger: Logger) {
    this.#io = io;
    this.#logger = logger;
  }

  readonly extractor = (progress: ExtractorProgress): void => {
    if (progress.phase === 'snapshot') {
      this.#tables.set(formatTableRef(progress.table), {
        rows: progress.rows,
        estimated: Math.max(progress.estimatedRows, progress.rows),
      });
    } else {
      this.#streamEvents = progress.events;
    }
    this.#show();
  };

  readonly loader = (stats: LoaderStats): void => {
    this.#applied = stats.applied;
    this.#deadLettered = stats.deadLettered;
    this.#show();
  };

  /** Ends the terminal line. */
  stop(): void {
    if (this.#drawn) this.#io.stderr('\n');
    this.#drawn = false;
  }

  #show(): void {
    const now = Date.now();
    const tty = this.#io.stderrIsTty === true;
    if (now - this.#lastShown < (tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    this.#lastShown = now;
    const figures = this.#figures(now);
    if (tty) {
      this.#io.stderr(`\r\u001b[K${describe(figures)}`);
      this.#drawn = true;
    } else {
      this.#logger.info(figures, 'progress');
    }
  }

  #figures(now: number): Figures {
    let rows = 0;
    let estimated = 0;
    for (const table of this.#tables.values()) {
      rows += table.rows;
      estimated += table.estimated;
    }
    const seconds = Math.max((now - this.#startedAt) / 1000, 0.001);
    const rate = Math.round((rows + this.#streamEvents) / seconds);
    const etaSeconds = rate > 0 && estimated > rows ? Math.round((estimated - rows) / rate) : 0;
    return {
      snapshotRows: rows,
      estimatedRows: estimated,
      streamEvents: this.#streamEvents,
      applied: this.#applied,
      deadLettered: this.#deadLettered,
      ratePerSecond: rate,
      etaSeconds,
    };
  }
}

function describe(figures: Figures): string {
  const parts = [
    `snapshot ${figures.snapshotRows.toLocaleString('en')}/${figures.estimatedRows.toLocaleString('en')} rows`,
    `${figures.ratePerSecond.toLocaleString('en')}/s`,
  ];
  if (figures.etaSeconds > 0) parts.push(`ETA ${formatDuration(figures.etaSeconds)}`);
  if (figures.streamEvents > 0) parts.push(`streamed ${figures.streamEvents.toLocaleString('en')}`);
  parts.push(`applied ${figures.applied.toLocaleString('en')}`);
  if (figures.deadLettered > 0) parts.push(`dead letters ${figures.deadLettered}`);
  return parts.join(' · ');
}

type Figures = Readonly<{
  snapshotRows: number;
  estimatedRows: number;
  streamEvents: number;
  applied: number;
  deadLettered: number;
  ratePerSecond: number;
  etaSeconds: number;
}>;

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}
