/**
 * Formats a zod issue path the way users write keys: `databases.mydb.time_filters[0].last`.
 * An empty path formats as ''.
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
