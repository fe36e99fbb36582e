import { beforeEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.fn();
vi.mock('node:v8', () => ({ setFlagsFromString }));

const { boundHeapGrowth } = await import('@database-replicator/core');

describe('boundHeapGrowth', () => {
  beforeEach(() => setFlagsFromString.mockClear());

  it('lets the heap grow to 2× what a full collection kept', () => {
    boundHeapGrowth(['--enable-source-maps']);
    expect(setFlagsFromString).toHaveBeenCalledExactlyOnceWith('--heap-growing-percent=100');
  });

  it('keeps the growth Node was started with', () => {
    boundHeapGrowth(['--heap-growing-percent=50']);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
