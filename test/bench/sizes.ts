import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of the files directly in `dir` (pg_dump's directory format is flat). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** Bytes as MB with one decimal below 10 MB, none above. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return mb < 10 ? mb.toFixed(1) : mb.toFixed(0);
}
