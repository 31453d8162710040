/** Python scripts that drive glue/lakestep_rules.py from a test: the import and the cell rendering they share. */
import { resolve } from 'node:path';

export const GLUE = resolve(__dirname, '..', '..', 'glue');

/**
 * The start of every such script: lakestep_rules imported without writing __pycache__ into glue/, and
 * `cell(v)`, which renders a typed value as the tests compare it (booleans as true/false, TIMESTAMP as
 * microseconds since the epoch, DATE as YYYY-MM-DD, DECIMAL in plain digits, the rest as text).
 */
export const GLUE_PREAMBLE = `
import datetime, decimal, json, os, sys
sys.dont_write_bytecode = True  # keep glue/ free of __pycache__
sys.path.insert(0, ${JSON.stringify(GLUE)})
import lakestep_rules as rules
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def cell(v):
    if v is None: return None
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, datetime.datetime): return str((v - EPOCH) // datetime.timedelta(microseconds=1))
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, decimal.Decimal): return format(v, "f")
    return str(v)
`;
