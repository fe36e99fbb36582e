/**
 * What a service opened, closed in reverse order (STYLE: whatever opens a resource closes it,
 * releasing in reverse). Each closer runs even when an earlier one failed; the first failure is
 * rethrown once all have run.
 */
export class CloseStack {
  readonly #closers: (() => Promise<void>)[] = [];

  /** Registers `close` to run before everything registered earlier. */
  push(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  /** Runs every closer, last registered first. Idempotent. */
  async closeAll(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let close = this.#closers.pop(); close !== undefined; close = this.#closers.pop()) {
      try {
        await close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
