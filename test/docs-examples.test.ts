/** Names in the docs' examples are real: docs/replay.md's execution is the real GBvideos.csv's (issue 14 item 15). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { executionNameFor } from '../handlers/core/execution-name';
import { ROOT } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

it("docs/replay.md's example execution is the one `lakestep run` names for the real GBvideos.csv", () => {
  const sha = createHash('sha256')
    .update(readFileSync(join(REAL_DATA, 'csv', 'GBvideos.csv')))
    .digest('hex');
  const real = executionNameFor('raw_statistics/region=gb/GBvideos.csv', sha);
  const doc = readFileSync(join(ROOT, 'docs', 'replay.md'), 'utf8');
  const named = [...doc.matchAll(/raw_statistics-region-gb-GBvideos-csv-[0-9a-f]{12}/g)].map((m) => m[0]);
  expect(named.length).toBeGreaterThan(0);
  expect(new Set(named)).toEqual(new Set([real]));
});
