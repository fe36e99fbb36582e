import { describe, expect, it } from 'vitest';
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

describe('database-replicator command line', () => {
  it('prints help listing every command and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(EXIT.ok);
    for (const name of ['validate', 'init', 'sync', 'status', 'verify', 'cutover', 'run']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  it('rejects an unknown command with a usage error', async () => {
    const { code, stderr } = await run(['migrate']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('unknown command "migrate"');
  });

  it('rejects an unknown option naming it', async () => {
    const { code, stderr } = await run(['init', '--frobnicate']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('REPL_CLI_USAGE');
    expect(stderr).toContain('--frobnicate');
  });

  it('reports a bad source URL with its code and fix, never the password', async () => {
    const { code, stderr } = await run([
      'validate',
      '--source',
      'oracle://scott:tiger-secret@db/orcl',
      '--target',
      'postgresql://t@127.0.0.1/t',
    ]);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('REPL_CONFIG_SOURCE_SCHEME');
    expect(stderr).toContain('fix:');
    expect(stderr).not.toContain('tiger-secret');
  });

  it('names the environment variable a bad value came from', async () => {
    const { code, stderr } = await run(['init'], { DR_JOBS: 'many' });
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('DR_JOBS');
  });
});
