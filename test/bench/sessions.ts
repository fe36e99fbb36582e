/**
 * Scenarios that share state belong to one session: the native subscription (`native-*`), and our
 * target per source (`ours-*-<source>`). A session is opened by its first scenario and closed
 * after its last one, or at the end of the run.
 */
import { NativeReplication } from './baselines/native-replication.js';
import type { BenchContext } from './bench-context.js';
import { OursSession } from './ours/ours-session.js';
import { scenarioInfo, type ScenarioName } from './scenarios.js';
import type { SourceKind } from './source-kind.js';

/** The session a scenario belongs to, or null for a scenario that stands alone. */
export function sessionKey(name: ScenarioName): string | null {
  if (name.startsWith('native-')) return 'native';
  if (name.startsWith('ours-')) return `ours-${scenarioInfo(name).source}`;
  // Reads the target of ours-init-postgres: that session stays open until it has run.
  if (name === 'hash-scan-postgres') return 'ours-postgres';
  return null;
}

export class Sessions {
  readonly #ctx: BenchContext;
  #native: NativeReplication | null = null;
  readonly #ours = new Map<SourceKind, OursSession>();

  constructor(ctx: BenchContext) {
    this.#ctx = ctx;
  }

  native(): NativeReplication {
    this.#native ??= new NativeReplication(this.#ctx);
    return this.#native;
  }

  ours(source: SourceKind): OursSession {
    let session = this.#ours.get(source);
    if (session === undefined) {
      session = new OursSession(this.#ctx, source);
      this.#ours.set(source, session);
    }
    return session;
  }

  /** Closes the session of `key` if it was opened. */
  async close(key: string): Promise<void> {
    if (key === 'native') {
      const session = this.#native;
      this.#native = null;
      await session?.close();
      return;
    }
    for (const [source, session] of this.#ours) {
      if (`ours-${source}` !== key) continue;
      this.#ours.delete(source);
      await session.close();
    }
  }

  /** Closes every open session, newest kinds last; returns one error per failed close. */
  async closeAll(): Promise<Error[]> {
    const failures: Error[] = [];
    const keys = [
      ...(this.#native === null ? [] : ['native']),
      ...[...this.#ours.keys()].map((s) => `ours-${s}`),
    ];
    for (const key of keys) {
      await this.close(key).catch((error: unknown) =>
        failures.push(new Error(`closing ${key}`, { cause: error })),
      );
    }
    return failures;
  }
}
