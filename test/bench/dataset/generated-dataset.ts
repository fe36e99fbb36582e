/** What a dataset loader reports about the source it filled. */
export type GeneratedDataset = Readonly<{
  /** Server or library and version, e.g. "PostgreSQL 15.18". */
  engine: string;
  /** Database name or file path (never a URL: those carry passwords). */
  location: string;
  /** Rows (documents for MongoDB) per table or collection, as counted after loading. */
  counts: Readonly<Record<string, number>>;
  /** Size on disk as the engine reports it: tables, TOAST and indexes. */
  sizeBytes: number;
}>;

/** An order as read back from an engine, normalised for comparison with the generator. */
export type NormalizedOrder = Readonly<{
  id: number;
  customerId: number;
  quantity: number;
  status: string;
  amountCents: number;
  note: string | null;
  createdAtUs: number;
  /** attrs as canonical JSON (sorted keys). */
  attrs: string;
}>;
