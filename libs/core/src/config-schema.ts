import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import type { TableSelector } from './identity.js';
import { LOG_LEVELS } from './logger.js';
import { redactUrl } from './redact.js';
import { Secret } from './secret.js';
import { sourceKindOf, sourceSchemeMessage } from './source-url.js';
import { parseTimeWindow, TIME_WINDOW_EXAMPLE } from './time-window.js';

/**
 * The run configuration: the one zod schema every command and service is configured by
 * (ARCHITECTURE §8). Defaults live here; loadConfig layers file, environment and flags on top.
 * Issues may carry `params.code` (a catalogue code other than REPL_CONFIG_INVALID) and
 * `params.conflictsWith` (the other key of a cross-field conflict); config-error.ts reads them.
 */

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

const tableSelectorSchema: z.ZodType<TableSelector> = z
  .object({
    database: z.string().min(1).optional(),
    schema: z.string().min(1).optional(),
    table: z.string().min(1),
  })
  .strict()
  // Rebuilt without undefined keys so the output matches TableSelector exactly.
  .transform(({ database, schema, table }) => ({
    ...(database === undefined ? {} : { database }),
    ...(schema === undefined ? {} : { schema }),
    table,
  }));

const sourceSchema = z
  .string()
  .trim()
  .min(1, { error: 'expected a source URL' })
  .transform((url, ctx) => {
    const kind = sourceKindOf(url);
    if (kind === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: sourceSchemeMessage(url),
        params: { code: 'REPL_CONFIG_SOURCE_SCHEME' },
      });
      return z.NEVER;
    }
    return { url: new Secret(url), kind, redactedUrl: redactUrl(url) };
  });

const targetSchema = z
  .string()
  .trim()
  .min(1, { error: 'expected a target URL' })
  .transform((url, ctx) => {
    if (!POSTGRES_URL.test(url)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a postgresql:// URL, got "${redactUrl(url)}"`,
      });
      return z.NEVER;
    }
    return { url: new Secret(url), redactedUrl: redactUrl(url) };
  });

const timeWindowSchema = z.string().transform((text, ctx) => {
  const window = parseTimeWindow(text);
  if (window === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected ${TIME_WINDOW_EXAMPLE}` });
    return z.NEVER;
  }
  return window;
});

const filtersSchema = z
  .object({
    /** Copy only these tables. Default: all tables. Mutually exclusive with `excludeTables`. */
    includeTables: z.array(tableSelectorSchema).optional(),
    /** Copy every table except these. Default: none excluded. */
    excludeTables: z.array(tableSelectorSchema).optional(),
    /** Create these tables but copy no rows. Default: none. */
    schemaOnlyTables: z.array(tableSelectorSchema).default([]),
    /** Copy and replicate only the rows matching an SQL predicate, per table. Default: none. */
    tableFilters: z
      .array(
        z
          .object({
            table: tableSelectorSchema,
            where: z.string().trim().min(1, { error: 'expected an SQL predicate' }),
          })
          .strict(),
      )
      .default([]),
    /** Copy only rows whose `column` is within the last `last` (e.g. "90 days"), per table. Default: none. */
    timeFilters: z
      .array(
        z
          .object({ table: tableSelectorSchema, column: z.string().min(1), last: timeWindowSchema })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((filters, ctx) => {
    if (filters.includeTables !== undefined && filters.excludeTables !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['excludeTables'],
        message:
          'cannot be combined with an include list; a run either lists the tables to copy or the ones to skip',
        params: { conflictsWith: ['filters', 'includeTables'] },
      });
    }
  });

/** Zod schema of the run configuration; see {@link ReplicatorConfig}. */
export const configSchema = z
  .object({
    /** Source database URL (CLI.md lists the forms); held as a Secret. Default: none (commands that need it say so). */
    source: sourceSchema.optional(),
    /** Target PostgreSQL URL, `postgresql://`; held as a Secret. Default: none. */
    target: targetSchema.optional(),
    /** Table selection and row filters. Default: every table, every row. */
    filters: filtersSchema.prefault({}),
    /** Parallel workers for snapshot chunks, verify and restore. Default 4. */
    jobs: z
      .int({ error: 'expected a whole number' })
      .min(1, { error: 'expected at least 1' })
      .max(256, { error: 'expected at most 256' })
      .default(4),
    /** Minimum log level. Default 'info'. */
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** Directory for local state (checkpoints of in-process runs), relative to the working directory. Default '.database-replicator'. */
    stateDir: z
      .string()
      .trim()
      .min(1, { error: 'expected a directory path' })
      .default('.database-replicator'),
    /** Answer every prompt with yes (scripts and CI never block). Default false. */
    yes: z.boolean().default(false),
    /** Machine-readable output on stdout, logs on stderr. Default false. */
    json: z.boolean().default(false),
  })
  .strict();

/** The loaded, validated and deep-frozen run configuration. */
export type ReplicatorConfig = DeepReadonly<z.output<typeof configSchema>>;
