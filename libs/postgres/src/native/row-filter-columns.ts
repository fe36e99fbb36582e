/**
 * Which columns a publication row filter reads, from the node tree PostgreSQL stores in
 * pg_publication_rel.prqual. A filter that reads a column outside the replica identity makes
 * every UPDATE and DELETE of that table fail on the source (the old row does not carry the
 * column), so the publication step checks this before the publication becomes visible.
 */

// In a stored expression every column reference is a Var node printed as
// `{VAR :varno 1 :varattno N ...`; constants are printed as byte lists, so the text of a string
// constant can never look like this.
const VAR_NODE = /\{VAR :varno \d+ :varattno (-?\d+)/g;

/**
 * Attribute numbers of the columns `prqual` reads, ascending and without duplicates; 0 stands
 * for a whole-row reference (every column).
 */
export function rowFilterAttributeNumbers(prqual: string): readonly number[] {
  const numbers = new Set<number>();
  for (const match of prqual.matchAll(VAR_NODE)) numbers.add(Number(match[1]));
  return Object.freeze([...numbers].sort((a, b) => a - b));
}
