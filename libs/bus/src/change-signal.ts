/**
 * A level-free wake-up: `wait()` resolves at the next `notify()`. Waiters re-check their own
 * condition after waking, so a spurious wake-up is harmless and a notify is never lost between
 * a check and the wait (both happen in the same tick).
 */
export class ChangeSignal {
  #resolve: () => void = () => undefined;
  #next: Promise<void> = this.#renew();

  /** Resolves at the next {@link notify}. */
  wait(): Promise<void> {
    return this.#next;
  }

  /** Wakes every current waiter. */
  notify(): void {
    const resolve = this.#resolve;
    this.#next = this.#renew();
    resolve();
  }

  #renew(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }
}
