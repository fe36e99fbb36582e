/** The kinds of source the benchmark generates data in; MariaDB serves as `mysql`. */
export type SourceKind = 'postgres' | 'mysql' | 'sqlite' | 'mongodb';

export const SOURCE_KINDS: readonly SourceKind[] = ['postgres', 'mysql', 'sqlite', 'mongodb'];
