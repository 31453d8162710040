/**
 * The permission proof of the Check analytics Lambda, on the stack of a workflow with checks (the
 * YouTube stack has no such function): every call its core and Athena adapter make for the deployed
 * checks is allowed by the synthesized policies, every grant of its role is used by one of them, and
 * the proof fails when a grant it needs is removed or one it does not use is added.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { PipelineStack } from '../infra/pipeline-stack';
import { aslFileName, renderAslText } from '../workflows/render-asl';
import { checkedWorkflow } from './helpers/checked-workflow';
import { ACKNOWLEDGED_UNUSED } from './permissions/acknowledged';
import { checkAnalyticsRole } from './permissions/analytics-check-calls';
import { Deployed } from './permissions/deployed';
import { prove } from './permissions/evaluate';
import type { LocalObservations } from './permissions/local-runs';
import { PRINCIPALS } from './permissions/principals';
import type { CfnTemplate, Json } from './permissions/template';

jest.setTimeout(120_000);

const PRINCIPAL = 'CheckAnalytics Lambda';
/** This proof is about one principal (the registry's entry): the others' need the main proof's local runs. */
const ONLY = PRINCIPALS.filter((p) => p.name === PRINCIPAL);
const NO_RUNS: LocalObservations = {
  functionCalls: new Map(),
  executions: [],
  landed: [],
  cleansedKeys: [],
  paths: new Set(),
};

describe('permission proof of Check analytics', () => {
  const workflow = checkedWorkflow();
  const aslDir = mkdtempSync(join(tmpdir(), 'lakestep-checked-proof-'));
  afterAll(() => rmSync(aslDir, { recursive: true, force: true }));
  writeFileSync(join(aslDir, aslFileName(workflow)), renderAslText(workflow));
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PipelineStack(app, 'lakestep-dev-pipeline', { stage: 'dev', workflow, aslDir });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  const deployed = new Deployed(stack, template);
  const role = checkAnalyticsRole(deployed) as string;

  const findingsOf = async (d: Deployed) =>
    (await prove(d, { deployed: d, observed: NO_RUNS }, ONLY, ACKNOWLEDGED_UNUSED)).findings
      .map((f) => f.text)
      .filter((t) => t.startsWith(`${PRINCIPAL}:`) || t.includes(role));

  /** The function role's policy statements in a copy of the template, changed by `change`. */
  const mutated = (
    change: (statements: { Sid?: string; Action: string | string[]; Resource: Json }[]) => void,
  ) => {
    const copy = structuredClone(template);
    const policy = Object.values(copy.Resources).find(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: role }]),
    );
    if (!policy) throw new Error(`no policy of the role ${role}`);
    change((policy.Properties as { PolicyDocument: { Statement: never[] } }).PolicyDocument.Statement);
    return new Deployed(stack, copy);
  };

  it('allows every call of its core, and uses every grant of its role', async () => {
    expect(role).toBeTruthy();
    const result = await prove(deployed, { deployed, observed: NO_RUNS }, ONLY, ACKNOWLEDGED_UNUSED);
    const calls = result.calls.get(PRINCIPAL) ?? [];
    expect(calls.map((c) => c.action)).toEqual(
      expect.arrayContaining([
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'glue:GetTable',
        's3:GetObject',
        's3:PutObject',
      ]),
    );
    expect(await findingsOf(deployed)).toEqual([]);
  });

  it('fails when a call it makes loses its grant', async () => {
    const d = mutated((statements) => {
      const run = statements.find((s) => s.Sid === 'RunCheckQueries');
      if (run) run.Action = ['athena:StartQueryExecution', 'athena:GetQueryExecution'];
    });
    expect(await findingsOf(d)).toEqual([
      expect.stringMatching(
        /^CheckAnalytics Lambda: athena:GetQueryResults on .* is (ImplicitlyDenied|ExplicitlyDenied)/,
      ),
    ]);
  });

  it('fails on a grant no recorded call uses', async () => {
    const d = mutated((statements) => {
      const run = statements.find((s) => s.Sid === 'RunCheckQueries');
      if (run) run.Action = [...(run.Action as string[]), 'athena:StopQueryExecution'];
    });
    expect(await findingsOf(d)).toEqual([
      expect.stringMatching(
        /^CheckAnalytics Lambda: granted athena:StopQueryExecution on .*workgroup.*, which no recorded call uses/,
      ),
    ]);
  });
});
