/**
 * `database-replicator run <service>`: which services it starts, and the usage and
 * configuration errors it reports before opening anything.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '@database-replicator/cli';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
  });
  return { code, stdout, stderr };
}

const KNOWN =
  'coordinator, extractor-postgres, extractor-mysql, extractor-sqlite, extractor-mongodb, loader, verifier';

describe('run <service>', () => {
  // Commands load on first use: the first `run` imports the runtime with every driver, which on a
  // loaded machine alone can take longer than one test's 5 s.
  beforeAll(() => run(['run']), 60_000);

  it('names the services it runs when none is given', async () => {
    const { code, stderr } = await run(['run']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('REPL_CLI_USAGE');
    expect(stderr).toContain(KNOWN);
  });

  it('refuses an unknown service, naming the known ones', async () => {
    const { code, stderr } = await run(['run', 'mailer']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('REPL_CLI_USAGE');
    expect(stderr).toContain('Unknown service "mailer"');
    expect(stderr).toContain(KNOWN);
  });

  it('takes its settings from the environment only', async () => {
    const { code, stderr } = await run(['run', 'loader', '--target', 'postgresql://x@h/db']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('"run" takes no options (got --target)');
  });

  it('takes --once and --interval for the verifier only', async () => {
    const loader = await run(['run', 'loader', '--once']);
    expect(loader.code).toBe(EXIT.usage);
    expect(loader.stderr).toContain('"run" takes no options (got --once)');
    const verifier = await run(['run', 'verifier', '--interval', '0'], {
      DR_SOURCE_URL: 'postgresql://u:pw-9@h/db',
      DR_TARGET_URL: 'postgresql://u:pw-9@h/db',
    });
    expect(verifier.code).toBe(EXIT.usage);
    expect(verifier.stderr).toContain('REPL_CONFIG_INVALID');
    expect(verifier.stderr).toContain('--interval must be whole seconds');
    expect(verifier.stderr).not.toContain('pw-9');
  });

  it.each([
    ['loader', {}, 'DR_TARGET_URL'],
    ['coordinator', { DR_TARGET_URL: 'postgresql://u:pw-9@h/db' }, 'DR_NATS_URL'],
    [
      'extractor-postgres',
      { DR_SOURCE_URL: 'postgresql://u:pw-9@h/db', DR_JOB_ID: 'j', DR_NATS_URL: 'nats://h:4222' },
      'DR_BUS',
    ],
    [
      'extractor-mysql',
      { DR_SOURCE_URL: 'mysql://u:pw-9@h/db', DR_JOB_ID: 'j', DR_NATS_URL: 'nats://h:4222' },
      'DR_BUS',
    ],
    ['verifier', { DR_TARGET_URL: 'postgresql://u:pw-9@h/db' }, 'DR_SOURCE_URL'],
  ])('starts %s from its variables and reports a missing one', async (service, env, variable) => {
    const { code, stderr } = await run(['run', service], env);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('REPL_CONFIG_INVALID');
    expect(stderr).toContain(variable);
    expect(stderr).not.toContain('pw-9');
  });
});
