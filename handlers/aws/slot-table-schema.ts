/**
 * The slot table's layout and the environment that names it, shared by the DynamoDB adapter, the
 * Lambdas and infra/transform-slots.ts (no SDK import: infra reads it too).
 */

/** The key attribute: one item per gate. */
export const SLOT_TABLE_KEY = 'gate';
/** Each holder is an attribute `holder:<execution name>` whose value is its lease end (epoch seconds). */
export const HOLDER_PREFIX = 'holder:';

/** ADMISSION_TABLE names the slot table; ADMISSION_MAX_SLOTS maps each gate to its slots as JSON. */
export const ADMISSION_ENV = { table: 'ADMISSION_TABLE', maxSlots: 'ADMISSION_MAX_SLOTS' } as const;
