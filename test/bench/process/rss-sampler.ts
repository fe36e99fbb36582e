/**
 * Peak resident memory of a process and all its descendants, sampled from /proc.
 *
 * Every `intervalMs` the tree under `rootPid` is re-discovered (workers come and go: pg_dump -j
 * forks, our CLI may spawn), each member's VmRSS is summed and its VmHWM (the kernel's own peak
 * for that process) remembered. The peak reported is the larger of the highest summed VmRSS seen
 * and the highest single VmHWM: a sample can miss a short spike of the sum, never a single
 * process's own peak. Linux only; elsewhere it reports null.
 */
import { readdirSync, readFileSync } from 'node:fs';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading: not an error
  }
}

/** pid -> parent pid for every process visible in /proc. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readText(`/proc/${entry}/stat`);
    if (stat === undefined) continue;
    // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parents.set(Number(entry), Number(rest[1]));
  }
  return parents;
}

function treeOf(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentMap()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] ?? -1) ?? []));
  return tree;
}

function statusKb(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

export class RssSampler {
  readonly #rootPid: number;
  readonly #timer: NodeJS.Timeout;
  #peakSumKb = 0;
  #peakSingleKb = 0;

  constructor(rootPid: number, intervalMs = 100) {
    this.#rootPid = rootPid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes one sample now (also called by the timer). */
  sample(): void {
    let sum = 0;
    for (const pid of treeOf(this.#rootPid)) {
      const status = readText(`/proc/${pid}/status`);
      if (status === undefined) continue;
      sum += statusKb(status, 'VmRSS');
      this.#peakSingleKb = Math.max(this.#peakSingleKb, statusKb(status, 'VmHWM'));
    }
    this.#peakSumKb = Math.max(this.#peakSumKb, sum);
  }

  /** Peak so far in bytes, or null when nothing could be read (not Linux, or exited at once). */
  peakBytes(): number | null {
    const kb = Math.max(this.#peakSumKb, this.#peakSingleKb);
    return kb === 0 ? null : kb * 1024;
  }

  /** Starts a new measurement window (for a long-running process measured per scenario). */
  resetPeak(): void {
    this.#peakSumKb = 0;
    this.#peakSingleKb = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
