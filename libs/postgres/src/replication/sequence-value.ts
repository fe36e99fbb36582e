/**
 * The value a target sequence is set to at cutover: far enough that the next `nextval()` can
 * collide neither with a value the source handed out nor with a row the target holds, and
 * never backwards. Pure; values are 64-bit decimal strings, compared as bigints.
 */

/** What {@link chooseSequenceValue} decides from. */
export type SequenceValueFacts = Readonly<{
  /** `increment_by > 0` on the target. */
  ascending: boolean;
  /** The source's `last_value`; null when never called. */
  sourceValue: string | null;
  /** The target's `last_value`; null when never called. */
  targetValue: string | null;
  /** `max` (ascending) or `min` (descending) of the owning column on the target; null when none. */
  columnValue: string | null;
  /** The target sequence's `min_value` and `max_value`. */
  minValue: string;
  maxValue: string;
}>;

/**
 * The value for `setval(seq, value, true)`, or null to leave the sequence as it is: when no
 * value is known (never called anywhere and no rows), when the target is already there, or when
 * the value lies before the sequence's range (its first `nextval()` then cannot collide).
 */
export function chooseSequenceValue(facts: SequenceValueFacts): string | null {
  const known = [facts.sourceValue, facts.targetValue, facts.columnValue].flatMap((v) =>
    v === null ? [] : [BigInt(v)],
  );
  if (known.length === 0) return null;
  const furthest = known.reduce((a, b) => (facts.ascending ? (a >= b ? a : b) : a <= b ? a : b));
  if (facts.targetValue !== null && furthest === BigInt(facts.targetValue)) return null;
  const beforeRange = facts.ascending
    ? furthest < BigInt(facts.minValue)
    : furthest > BigInt(facts.maxValue);
  return beforeRange ? null : furthest.toString();
}
