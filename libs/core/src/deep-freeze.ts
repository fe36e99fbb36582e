import type { Secret } from './secret.js';

/** `T` with every nested property and array readonly; a {@link Secret} stays a `Secret`. */
export type DeepReadonly<T> = T extends Secret
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * Freezes plain objects and arrays recursively and returns the same value.
 * Class instances (Secret, Buffer, Date) are left alone: typed arrays cannot be frozen and
 * the classes we own freeze themselves.
 */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  freezeTree(value);
  // The value itself is returned; only its static type gains `readonly`.
  return value as DeepReadonly<T>;
}

function freezeTree(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) freezeTree(item);
    Object.freeze(value);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) freezeTree(item);
    Object.freeze(value);
  }
}

/** True for `{}` literals, `JSON.parse` objects and `Object.create(null)`; false for class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
