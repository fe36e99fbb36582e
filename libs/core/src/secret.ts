import { inspect } from 'node:util';

/** Placeholder a {@link Secret} shows instead of its value. */
const SECRET_PLACEHOLDER = '[redacted]';

/**
 * A string that must never be printed: a password or a URL that contains one.
 *
 * Every way a value usually escapes into output (`String(x)`, template literals, `JSON.stringify`,
 * `console.log`/`util.inspect`, pino) yields `[redacted]`. Only an explicit {@link Secret.reveal}
 * returns the value, which makes each use greppable.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  /** The secret value. Pass it to a driver or a child's environment; never to a logger or argv. */
  reveal(): string {
    return this.#value;
  }

  /** `[redacted]`, so string conversion and template literals never show the value. */
  toString(): string {
    return SECRET_PLACEHOLDER;
  }

  /** `[redacted]`, so `JSON.stringify` (and pino) never show the value. */
  toJSON(): string {
    return SECRET_PLACEHOLDER;
  }

  /** `[redacted]`, so `console.log` and `util.inspect` never show the value. */
  [inspect.custom](): string {
    return SECRET_PLACEHOLDER;
  }
}
