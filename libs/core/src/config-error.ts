import type { z } from 'zod';
import { isPlainObject } from './deep-freeze.js';
import {
  ERROR_CATALOGUE,
  isErrorCode,
  replicatorError,
  type ErrorCode,
  type ReplicatorError,
} from './errors.js';
import { appendPath, type Location } from './config-layer.js';
import { LOG_LEVELS } from './logger.js';
import { TIME_WINDOW_EXAMPLE } from './time-window.js';

/** Turns zod issues into ONE ReplicatorError that names key, place, expectation and fix. */

type Issue = z.core.$ZodIssue;

/** How issue paths map to user-facing places, and which keys exist where (for suggestions). */
export type IssueContext = Readonly<{
  locate: (path: readonly PropertyKey[]) => Location;
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[];
}>;

type Described = Readonly<{ code: ErrorCode; text: string; fix: string; location: Location }>;

/** Fixes by schema path (array indexes dropped); the rest get a fix built from the expectation. */
const FIXES: Readonly<Record<string, string>> = Object.freeze({
  jobs: 'Set jobs to a whole number from 1 to 256 (default 4).',
  logLevel: `Use one of ${LOG_LEVELS.join(', ')} (default info).`,
  stateDir: 'Give a directory path (default .database-replicator).',
  target: 'Give the target as a postgresql:// URL.',
  'filters.timeFilters.last': `Write the window as ${TIME_WINDOW_EXAMPLE}.`,
  'filters.tableFilters.where': 'Give an SQL predicate such as "created_at > \'2024-01-01\'".',
});

/** Settings whose received values must never be echoed. */
const SECRET_SETTINGS = new Set(['source', 'target']);

/**
 * Builds the configuration error for a failed parse. Unknown keys win over other problems (a
 * misspelt key usually explains a missing value); the message lists every problem on one line.
 */
export function configIssuesError(
  issues: readonly Issue[],
  context: IssueContext,
  cause: unknown,
): ReplicatorError {
  const described = issues.map((issue) => describeIssue(issue, context));
  const first =
    described.find((item) => item.code === 'REPL_CONFIG_UNKNOWN_KEY') ??
    described.find((item) => item.code !== 'REPL_CONFIG_INVALID') ??
    described[0];
  if (first === undefined)
    return replicatorError('REPL_CONFIG_INVALID', 'Invalid configuration', { cause });
  const others = described.filter((item) => item !== first).map((item) => item.text);
  const more = others.length === 0 ? '' : `; also ${others.join('; ')}`;
  return replicatorError(first.code, `Invalid configuration: ${first.text}${more}`, {
    fix: first.fix,
    details: { configKey: first.location.key, origin: first.location.place },
    cause,
  });
}

function describeIssue(issue: Issue, context: IssueContext): Described {
  if (issue.code === 'unrecognized_keys') return describeUnknownKeys(issue, context);
  const location = context.locate(issue.path);
  const where = `${location.key} (${location.place})`;
  const params = issue.code === 'custom' ? (issue.params ?? {}) : {};
  const conflictsWith: unknown = params['conflictsWith'];
  if (Array.isArray(conflictsWith)) {
    const other = context.locate(conflictsWith.filter(isPathSegment));
    return {
      code: 'REPL_CONFIG_INVALID',
      text: `${where} ${issue.message}: ${other.key} (${other.place}) is also set`,
      fix: `Remove either ${location.key} or ${other.key}.`,
      location,
    };
  }
  const code = catalogueCode(params['code']) ?? 'REPL_CONFIG_INVALID';
  const fix =
    FIXES[schemaPattern(issue.path)] ??
    (code === 'REPL_CONFIG_INVALID'
      ? `Correct ${where}: ${issue.message}.`
      : ERROR_CATALOGUE[code].fix);
  // Received values are echoed for plain settings only; coded issues show a redacted value themselves.
  const shown = code === 'REPL_CONFIG_INVALID' ? received(issue) : '';
  const text = `${where}: ${issue.message}${shown}`;
  return { code, text, fix, location };
}

function describeUnknownKeys(
  issue: Extract<Issue, { code: 'unrecognized_keys' }>,
  context: IssueContext,
): Described {
  const location = context.locate([...issue.path, issue.keys[0] ?? '']);
  const keys = issue.keys.map((key) => appendPath('', [...issue.path, key]));
  const known = context.knownKeys?.(issue.path) ?? [];
  const suggestion = closest(issue.keys[0] ?? '', known);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  const accepted = known.length === 0 ? '' : ` Accepted keys here: ${known.join(', ')}.`;
  return {
    code: 'REPL_CONFIG_UNKNOWN_KEY',
    text: `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')} in ${location.place}`,
    fix: `Remove the key or correct its spelling${hint}.${accepted}`,
    location,
  };
}

/** ` (got "soon")` for primitive inputs of non-secret settings, so the user sees what was read. */
function received(issue: Issue): string {
  const input: unknown = issue.input;
  if (
    SECRET_SETTINGS.has(String(issue.path[0])) ||
    isPlainObject(input) ||
    Array.isArray(input) ||
    input === undefined
  ) {
    return '';
  }
  const shown = JSON.stringify(input) ?? String(input);
  return ` (got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
}

function schemaPattern(path: readonly PropertyKey[]): string {
  return path.filter((segment) => typeof segment === 'string').join('.');
}

function catalogueCode(value: unknown): ErrorCode | undefined {
  return typeof value === 'string' && isErrorCode(value) ? value : undefined;
}

function isPathSegment(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** The known key within edit distance 2 of `key`, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
