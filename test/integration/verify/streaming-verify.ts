/**
 * What the "verify while sync streams" suites share: `verify --json` through the built CLI, its
 * report, and the checks that a run found nothing, or exactly one key changed on the target,
 * without having given up waiting for the pipeline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';

const keyList = z.array(z.record(z.string(), z.string()));

const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      status: z.string(),
      missing: keyList,
      extra: keyList,
      different: keyList,
      notes: z.array(z.string()),
    }),
  ),
});

/** A `verify --json` report. */
export type VerifyReport = z.infer<typeof reportSchema>;

/** One `verify --json` run: exit code, report, and how long the process took. */
export async function verifyJson(
  urls: Readonly<{ sourceUrl: string; targetUrl: string }>,
): Promise<{ code: number | undefined; report: VerifyReport; ms: number }> {
  const started = Date.now();
  const result = await runCliProcess(['verify', '--json'], urls);
  if (result.stdout === '')
    throw new Error(`verify printed nothing: ${result.stderr.slice(-3000)}`);
  const report = reportSchema.parse(JSON.parse(result.stdout));
  return { code: result.exitCode, report, ms: Date.now() - started };
}

/** Polls `check` every 250 ms until it holds; throws after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const GAVE_UP = 'did not catch up';

/** Every table matched, and no wait for the pipeline ran into its timeout. */
export function expectClean(run: { code: number | undefined; report: VerifyReport }, what: string) {
  const detail = `${what}: ${JSON.stringify(run.report.tables)}`;
  expect(run.report.tables.length, detail).toBeGreaterThan(0);
  for (const table of run.report.tables) {
    expect(table, detail).toMatchObject({ status: 'ok', missing: [], extra: [], different: [] });
    expect(table.notes.join(' '), detail).not.toContain(GAVE_UP);
  }
  expect(run.report.ok, detail).toBe(true);
  expect(run.code, detail).toBe(0);
}

/** Only `key` of the one table differs, and no wait ran into its timeout. */
export function expectOnlyDifferent(
  run: { code: number | undefined; report: VerifyReport },
  key: Readonly<Record<string, string>>,
  what: string,
) {
  const detail = `${what}: ${JSON.stringify(run.report.tables)}`;
  expect(run.report.tables, detail).toHaveLength(1);
  expect(run.report.tables[0], detail).toMatchObject({
    status: 'different',
    different: [key],
    missing: [],
    extra: [],
  });
  expect(run.report.tables[0]?.notes.join(' '), detail).not.toContain(GAVE_UP);
  expect(run.code, detail).toBe(1);
}
