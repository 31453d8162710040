/**
 * The permission proof: every AWS call each principal makes on every local path is allowed by the
 * synthesized policies (iam-simulate), and every grant is used by some call or acknowledged.
 */

import { tempDir } from './helpers/lake';
import { ACKNOWLEDGED_UNUSED } from './permissions/acknowledged';
import { Deployed } from './permissions/deployed';
import { prove } from './permissions/evaluate';
import { type LocalObservations, observeLocalRuns } from './permissions/local-runs';
import { PRINCIPALS } from './permissions/principals';
import { synthPipeline } from './permissions/template';

jest.setTimeout(300_000);

describe('permission proof', () => {
  const { dir, cleanup } = tempDir('permissions');
  afterAll(cleanup);
  let deployed: Deployed;
  let observed: LocalObservations;

  beforeAll(async () => {
    const { stack, template } = synthPipeline();
    deployed = new Deployed(stack, template);
    observed = await observeLocalRuns(dir, (b) => deployed.bucket(b));
  });

  it('every recorded call is allowed and every grant is used', async () => {
    const result = await prove(deployed, { deployed, observed }, PRINCIPALS, ACKNOWLEDGED_UNUSED);
    console.log(result.findings.map((f) => `${f.kind}: ${f.text}`).join('\n'));
    for (const [n, c] of result.calls) console.log(n, c.length);
    expect(result.findings).toEqual([]);
  });
});
