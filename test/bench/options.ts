/**
 * Command-line options of `npm run bench`, parsed once, validated, frozen.
 */
import { parseArgs } from 'node:util';
import { isScenarioName, type ScenarioName } from './scenarios.js';

export type BenchOptions = Readonly<{
  /** Rows in `orders`; every other table scales from it. Default 1,000,000. */
  scale: number;
  /** Scale of the MongoDB dataset. Default min(scale, 100,000): FerretDB inserts ~4k docs/s. */
  mongoScale: number;
  seed: number;
  /** Parallel jobs for pg_dump, pg_restore, binary COPY and our init. Default 2. */
  jobs: number;
  /** How our init and sync replicate: `--via` and `--bus` passed on (default: the CLI's choice). */
  oursRoute: readonly string[];
  /** Changes in a backlog. Default max(1,000, scale / 20). */
  backlog: number;
  /** Changes per second of the lag workload. Default 200. */
  lagRate: number;
  /** Duration of the lag workload in seconds. Default 20 (5 below scale 100,000). */
  lagSeconds: number;
  only: readonly ScenarioName[] | null;
  list: boolean;
  help: boolean;
  /** Every baseline and every dataset must succeed (CI smoke); otherwise an absent service is reported, not fatal. */
  requireAll: boolean;
  /** Leave the generated source databases in place at the end. */
  keepDatasets: boolean;
  /** Times the selected scenarios run on the same datasets; each is reported by its median. */
  rounds: number;
  resultsDir: string;
  workDir: string;
}>;

export const USAGE = `Usage: npm run bench -- [options]

  --scale N          rows in orders (default 1000000); customers N/10, order_items N,
                     events N/2, documents N/100
  --mongo-scale N    scale of the MongoDB dataset (default min(scale, 100000))
  --only a,b         run only these scenarios (and what they need); see --list
  --list             print the scenario names and exit
  --require-all      fail unless every dataset and baseline succeeds (CI smoke)
  --jobs N           parallel jobs for pg_dump/pg_restore/COPY/init (default 2)
  --via native|pipeline   how our init/sync replicate (default: the CLI's choice)
  --bus memory|kafka://host:port   the bus of --via pipeline (default memory)
  --backlog N        changes in a backlog (default max(1000, scale/20))
  --lag-rate N       changes per second of the lag workload (default 200)
  --lag-seconds N    duration of the lag workload (default 20; 5 below scale 100000)
  --seed N           dataset and workload seed (default 42)
  --keep-datasets    keep the source databases at the end (default: drop them)
  --rounds N         run the scenarios N times on the same datasets and report each one's
                     median round (peak RSS: the highest); every round's figure is in the
                     notes (default 1)
  --results-dir DIR  where the Markdown and JSON go (default test/bench/results)
  --work-dir DIR     scratch space (default $DR_SERVICES_HOME/bench)
`;

function whole(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`--${name} takes a whole number >= ${min}, not "${text}"`);
  return value;
}

export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  repoRoot: string,
): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      scale: { type: 'string' },
      'mongo-scale': { type: 'string' },
      seed: { type: 'string' },
      jobs: { type: 'string' },
      via: { type: 'string' },
      bus: { type: 'string' },
      backlog: { type: 'string' },
      'lag-rate': { type: 'string' },
      'lag-seconds': { type: 'string' },
      only: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      'require-all': { type: 'boolean', default: false },
      'keep-datasets': { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'results-dir': { type: 'string' },
      'work-dir': { type: 'string' },
    },
  });
  const scale = whole('scale', values.scale, 1_000_000, 10);
  let only: ScenarioName[] | null = null;
  if (values.only !== undefined) {
    const names = values.only
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = names.filter((n) => !isScenarioName(n));
    if (unknown.length > 0)
      throw new Error(`--only: unknown scenario(s) ${unknown.join(', ')}; see --list`);
    only = names.filter(isScenarioName);
  }
  const servicesHome = env['DR_SERVICES_HOME'] ?? '/var/tmp/database-replicator';
  return Object.freeze({
    scale,
    mongoScale: whole('mongo-scale', values['mongo-scale'], Math.min(scale, 100_000), 10),
    seed: whole('seed', values.seed, 42, 0),
    jobs: whole('jobs', values.jobs, 2),
    oursRoute: [
      ...(values.via === undefined ? [] : ['--via', values.via]),
      ...(values.bus === undefined ? [] : ['--bus', values.bus]),
    ],
    backlog: whole('backlog', values.backlog, Math.max(1000, Math.round(scale / 20))),
    lagRate: whole('lag-rate', values['lag-rate'], 200),
    lagSeconds: whole('lag-seconds', values['lag-seconds'], scale < 100_000 ? 5 : 20),
    only,
    list: values.list,
    help: values.help,
    requireAll: values['require-all'],
    keepDatasets: values['keep-datasets'],
    rounds: whole('rounds', values.rounds, 1),
    resultsDir: values['results-dir'] ?? `${repoRoot}/test/bench/results`,
    workDir: values['work-dir'] ?? `${servicesHome}/bench`,
  });
}
