/** Bumped when a field of the JSON output changes meaning or goes away; new fields do not bump it. */
export const SCHEMA_VERSION = 1;
