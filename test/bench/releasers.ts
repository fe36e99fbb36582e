/**
 * A stack of clean-up steps (drop a database, a subscription, a temp dir), run in reverse order.
 * A failing step does not stop the others; the failures are returned so the caller can report them.
 */
export type Release = () => Promise<void> | void;

export class Releasers {
  readonly #steps: { name: string; release: Release }[] = [];

  /** Registers `release`, to run before everything registered earlier. */
  push(name: string, release: Release): void {
    this.#steps.push({ name, release });
  }

  /** Runs every step, newest first; returns one error per failed step. */
  async releaseAll(): Promise<Error[]> {
    const failures: Error[] = [];
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      try {
        await step.release();
      } catch (error) {
        failures.push(new Error(`clean-up "${step.name}" failed`, { cause: error }));
      }
    }
    return failures;
  }
}
