/**
 * Names this lib writes into a source database (the trigger changelog) or adds to its tables. A
 * source whose own tables use one of these names is refused rather than silently mixed up.
 */

/** The changelog table the capture triggers append to. */
export const CHANGELOG_TABLE = '_dr_changelog';

/** Which changelog value column holds which column of a captured table, per trigger install. */
export const CAPTURE_COLUMNS_TABLE = '_dr_capture_columns';

/** Every capture trigger's name starts with this; `removeCapture` drops exactly these. */
export const TRIGGER_PREFIX = '_dr_capture_';

/** The key column added to tables without a declared primary key: their rowid. */
export const ROWID_COLUMN = '_rowid';

/** The schema events and target tables use by default (pgloader's choice too). */
export const DEFAULT_TARGET_SCHEMA = 'public';

/** The changelog `op` of the marker row an install writes to start the sequence. */
export const MARKER_OP = 'm';
