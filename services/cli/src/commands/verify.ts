/**
 * `verify`: compares source and target table by table with key-range checksums, through the
 * runtime's verify run (libs/runtime run-verify-job.ts: sessions per source kind, `--repair`,
 * sample values, the record in `_replicator.verify_runs`), and prints one row per table followed
 * by the differing keys with sample values of differing columns (`--mask-columns` hides some),
 * or the whole report with --json. Exits 0 when every table matches (after a repair: when the
 * repair made them match), 1 when any differs, 3 when verification itself failed.
 */
import { parseTableListFlag } from '@database-replicator/core';
import { NO_MASK, parseMaskColumns } from '@database-replicator/pipeline';
import { runVerifyJob, verifyJobName } from '@database-replicator/runtime';
import { requireEndpoints } from '../endpoints.js';
import { EXIT, type CommandHandler } from '../command-context.js';
import { renderJson } from '../output.js';
import { renderVerifyReport } from './verify-report.js';

export const runVerify: CommandHandler = async ({ config, line, io, logger, signal }) => {
  const { source, target } = requireEndpoints(config, 'verify');
  const tables = line.values.tables;
  const masks = line.values['mask-columns'];
  const outcome = await runVerifyJob({
    source,
    target,
    filters: config.filters,
    ...(tables === undefined ? {} : { tables: parseTableListFlag(tables, '--tables') }),
    connections: config.jobs,
    repair: line.values.repair === true,
    mask: masks === undefined ? NO_MASK : parseMaskColumns(masks),
    job: verifyJobName(source),
    trigger: 'cli',
    signal,
    logger,
  });
  const { report, repairs } = outcome;
  const json = repairs === null ? report : { ...report, repairs };
  const durationMs = outcome.finishedAt.getTime() - outcome.startedAt.getTime();
  io.stdout(config.json ? renderJson(json) : renderVerifyReport(report, repairs, durationMs));
  return report.ok ? EXIT.ok : EXIT.checkFailed;
};
