import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CATALOGUE,
  ReplicatorError,
  isReplicatorError,
  replicatorError,
} from '@database-replicator/core';

const DOCS = new URL('../../../docs/errors.md', import.meta.url);

function documentedSections(): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = readFileSync(DOCS, 'utf8').split(/^## /m).slice(1);
  for (const part of parts) {
    const [heading = '', ...body] = part.split('\n');
    sections.set(heading.trim(), body.join('\n'));
  }
  return sections;
}

describe('ERROR_CATALOGUE', () => {
  it('names every code REPL_<AREA>_<WHAT> with a title and a fix', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^REPL_[A-Z]+_[A-Z0-9_]+$/);
      expect(entry.title.length).toBeGreaterThan(0);
      expect(entry.fix).toMatch(/\.$/);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERROR_CATALOGUE)).toBe(true);
    expect(Object.isFrozen(ERROR_CATALOGUE.REPL_CONFIG_INVALID)).toBe(true);
  });

  it('has exactly the codes documented in docs/errors.md', () => {
    const documented = [...documentedSections().keys()].sort();
    expect(documented).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  it('matches each documented section: title and a Fix paragraph', () => {
    const sections = documentedSections();
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      const body = sections.get(code) ?? '';
      expect(body, code).toContain(`**${entry.title}.**`);
      expect(body, code).toContain('**Fix:**');
    }
  });
});

describe('ReplicatorError', () => {
  it('carries code, default fix, frozen details and cause', () => {
    const cause = new Error('socket hang up');
    const error = replicatorError('REPL_CONNECT_FAILED', 'Cannot reach db.internal:5432', {
      details: { host: 'db.internal', port: 5432 },
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ReplicatorError);
    expect(error.name).toBe('ReplicatorError');
    expect(error.code).toBe('REPL_CONNECT_FAILED');
    expect(error.fix).toBe(ERROR_CATALOGUE.REPL_CONNECT_FAILED.fix);
    expect(error.details).toEqual({ host: 'db.internal', port: 5432 });
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(error.cause).toBe(cause);
  });

  it('takes an explicit fix and has no cause unless given', () => {
    const error = new ReplicatorError('REPL_CLI_USAGE', 'Unknown flag --frobnicate', {
      fix: 'Remove --frobnicate.',
    });
    expect(error.fix).toBe('Remove --frobnicate.');
    expect('cause' in error).toBe(false);
    expect(error.details).toBeUndefined();
  });

  it('redacts credentials that slip into message, fix or details', () => {
    const error = replicatorError(
      'REPL_AUTH_FAILED',
      'login to postgresql://app:hunter2@db/x failed',
      {
        fix: 'check password=hunter2',
        details: { url: 'mysql://root:hunter2@h' },
      },
    );
    expect(JSON.stringify([error.message, error.fix, error.details])).not.toContain('hunter2');
  });

  it('serialises to JSON without cause or stack', () => {
    const error = replicatorError('REPL_NOT_IMPLEMENTED', 'verify --repair', {
      cause: new Error('inner'),
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'REPL_NOT_IMPLEMENTED',
      message: 'verify --repair',
      fix: ERROR_CATALOGUE.REPL_NOT_IMPLEMENTED.fix,
    });
  });

  it('isReplicatorError checks the type and optionally the code', () => {
    const error = replicatorError('REPL_EVENT_INVALID', 'bad');
    expect(isReplicatorError(error)).toBe(true);
    expect(isReplicatorError(error, 'REPL_EVENT_INVALID')).toBe(true);
    expect(isReplicatorError(error, 'REPL_CLI_USAGE')).toBe(false);
    expect(isReplicatorError(new Error('plain'))).toBe(false);
    expect(isReplicatorError({ code: 'REPL_EVENT_INVALID' })).toBe(false);
  });
});
