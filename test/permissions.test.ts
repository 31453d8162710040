/**
 * The permission proof: every AWS call each principal makes on every local path is allowed by the
 * synthesized policies (iam-simulate), and every grant is used by some call or acknowledged. Then the
 * tests of the proof: it fails on a removed grant (the Promote 403 first), an added unused grant, a
 * role nobody registered; and the key policy facts it cannot see as a call.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { tempDir } from './helpers/lake';
import { ACKNOWLEDGED_UNUSED } from './permissions/acknowledged';
import { s3Bucket } from './permissions/calls';
import { Deployed } from './permissions/deployed';
import { type ProofResult, prove } from './permissions/evaluate';
import { type LocalObservations, observeLocalRuns } from './permissions/local-runs';
import { PRINCIPALS } from './permissions/principals';
import {
  ACCOUNT,
  type CfnTemplate,
  type Json,
  type PolicyDocument,
  policiesOf,
  REGION,
  STAGE_NAMES,
  synthPipeline,
} from './permissions/template';

jest.setTimeout(300_000);

describe('permission proof', () => {
  const { dir, cleanup } = tempDir('permissions');
  afterAll(cleanup);
  let deployed: Deployed;
  let observed: LocalObservations;
  let result: ProofResult;

  /** The proof on a copy of the synthesized template changed by `change` (same local runs). */
  const proveMutated = async (change: (t: CfnTemplate) => void) => {
    const copy = structuredClone(deployed.template);
    change(copy);
    const mutated = new Deployed(deployed.stack, copy);
    return prove(mutated, { deployed: mutated, observed }, PRINCIPALS, ACKNOWLEDGED_UNUSED);
  };
  const promoteRole = () =>
    deployed.roleIn(deployed.functionId(`${deployed.stack.settings.namePrefix}-promote-batch`), 'Role');
  /** The policy document of the role's default policy, in a template copy. */
  const defaultPolicyOf = (t: CfnTemplate, roleId: string) => {
    const entry = Object.values(t.Resources).find(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    if (!entry) throw new Error(`no default policy for ${roleId}`);
    return entry.Properties?.PolicyDocument as unknown as {
      Statement: { Action: string | string[]; Resource: Json; Effect: string }[];
    };
  };

  /** Every stage's stack (cdk.json), proven against the same local runs. */
  const byStage = new Map<string, { deployed: Deployed; result: ProofResult }>();

  beforeAll(async () => {
    observed = await observeLocalRuns(dir);
    for (const stage of STAGE_NAMES) {
      const { stack, template } = synthPipeline(stage);
      const d = new Deployed(stack, template);
      byStage.set(stage, {
        deployed: d,
        result: await prove(d, { deployed: d, observed }, PRINCIPALS, ACKNOWLEDGED_UNUSED),
      });
    }
    // The tests of the proof change the dev stack, which has the most principals (auto-delete in dev).
    ({ deployed, result } = byStage.get('dev') as { deployed: Deployed; result: ProofResult });
  });

  it('records the calls of real local executions of every path', () => {
    expect([...observed.paths].sort()).toEqual(
      [
        'DQ failure',
        'categories',
        'crawler already running',
        'large object through the Glue job',
        'newer categories',
        'newer version with a quarantined row',
        'newer version without quarantined rows',
        'redrive',
        'rejected',
        'statistics, first promotion',
        'system fault',
      ].sort(),
    );
    // Every principal of this stack (Check analytics only exists for a workflow with checks:
    // test/permissions-analytics-checks.test.ts proves it there).
    for (const p of PRINCIPALS.filter((x) => x.identity(deployed)))
      expect([p.name, (result.calls.get(p.name) ?? []).length > 0]).toEqual([p.name, true]);
    expect(PRINCIPALS.filter((x) => !x.identity(deployed)).map((x) => x.name)).toEqual([
      'CheckAnalytics Lambda',
    ]);
    // The fact behind the Promote 403: the first promotion HEADs a marker that does not exist yet.
    expect(result.calls.get('PromoteBatch Lambda')).toContainEqual(
      expect.objectContaining({
        action: 's3:ListBucket',
        resource: s3Bucket(deployed.bucket('bronze')),
        because: expect.stringMatching(/^HEAD _promoted\//),
      }),
    );
  });

  it.each(STAGE_NAMES)(
    '%s: allows every recorded call, and every grant is used by a call or acknowledged',
    (stage) => {
      expect(byStage.get(stage)?.result.findings.map((f) => `${f.kind}: ${f.text}`)).toEqual([]);
    },
  );

  it('reports the Promote 403 first when bronze s3:ListBucket is taken from Promote batch', async () => {
    const bronze = deployed.resolver.getAtt(
      Object.keys(deployed.template.Resources).find(
        (id) => deployed.resolver.ref(id) === deployed.bucket('bronze'),
      ) ?? '',
      'Arn',
    );
    const mutated = await proveMutated((t) => {
      const doc = defaultPolicyOf(t, promoteRole());
      for (const s of doc.Statement) {
        if (s.Action !== 's3:ListBucket') continue;
        const resolved = (deployed.resolver.value(s.Resource) as string[]).map(String);
        expect(resolved).toContain(bronze);
        s.Resource = (s.Resource as Json[]).filter((_, i) => resolved[i] !== bronze);
      }
    });
    expect(mutated.findings[0]?.kind).toBe('denied');
    expect(mutated.findings[0]?.text).toMatch(
      /^PromoteBatch Lambda: s3:ListBucket on arn:aws:s3:::\S+ is ImplicitlyDenied \(HEAD _promoted\/statistics\/.*version\.json may find no object/,
    );
    expect(
      mutated.findings.every(
        (f) => f.kind === 'denied' && f.text.startsWith('PromoteBatch Lambda: s3:ListBucket'),
      ),
    ).toBe(true);
  });

  it('fails on an added grant that no call uses', async () => {
    const mutated = await proveMutated((t) => {
      defaultPolicyOf(t, promoteRole()).Statement.push({
        Effect: 'Allow',
        Action: 's3:DeleteObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bronzeId(t), 'Arn'] }, '/_promoted/*']] },
      });
    });
    expect(mutated.findings.map((f) => f.text)).toEqual([
      `PromoteBatch Lambda: granted s3:DeleteObject on arn:aws:s3:::${deployed.bucket('bronze')}/_promoted/*, which no recorded call uses`,
    ]);
  });

  it('fails on a role that has no entry in the registry', async () => {
    const mutated = await proveMutated((t) => {
      t.Resources.ApiFunctionRole = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } };
    });
    expect(mutated.findings.map((f) => f.text)).toEqual([
      'role ApiFunctionRole has no entry in PRINCIPALS (test/permissions/principals.ts): record the calls it makes',
    ]);
  });

  const bronzeId = (t: CfnTemplate) =>
    Object.keys(t.Resources).find(
      (id) =>
        t.Resources[id]?.Type === 'AWS::S3::Bucket' &&
        deployed.resolver.ref(id) === deployed.bucket('bronze'),
    ) as string;

  const keyPolicy = () => {
    const policies = policiesOf(deployed.template);
    return policies.resource.get(deployed.keyArn()) as PolicyDocument;
  };
  const asService = (service: string, action: string, context: Record<string, string>) =>
    runSimulation(
      {
        request: {
          principal: service,
          action,
          resource: { resource: deployed.keyArn(), accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: keyPolicy(),
      },
      {},
    );

  it("lets CloudWatch use the key for this account's alarms only (aws:SourceAccount)", async () => {
    const ours = await asService('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', {
      'aws:SourceAccount': ACCOUNT,
    });
    const theirs = await asService('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', {
      'aws:SourceAccount': '999999999999',
    });
    expect([
      ours.resultType === 'error' ? ours.errors.message : ours.overallResult,
      theirs.resultType === 'error' ? '' : theirs.overallResult,
    ]).toEqual(['Allowed', 'ImplicitlyDenied']);
  });

  it('still needs its own check of kms:EncryptionContext keys: iam-simulate drops them from the request', async () => {
    const sim = await asService(`logs.${REGION}.amazonaws.com`, 'kms:Encrypt', {
      'kms:EncryptionContext:aws:logs:arn': deployed.arn('logs', 'log-group:/aws-glue/jobs/x'),
    });
    // When this fails, iam-simulate evaluates the key: remove encryptionContextVerdict from evaluate.ts.
    expect(sim.resultType === 'single' && sim.result.ignoredContextKeys).toEqual([
      'kms:EncryptionContext:aws:logs:arn',
    ]);
  });

  it("denies CloudWatch Logs the key for a log group outside Glue's (the proof's own encryption-context check)", async () => {
    const mutated = await proveMutated((t) => {
      const key = Object.values(t.Resources).find((r) => r.Type === 'AWS::KMS::Key');
      const doc = key?.Properties?.KeyPolicy as unknown as {
        Statement: { Sid?: string; Condition?: Record<string, Record<string, Json>> }[];
      };
      const logs = doc.Statement.find((s) => s.Sid === 'GlueLogGroupsEncryption');
      if (!logs?.Condition?.ArnLike) throw new Error('no GlueLogGroupsEncryption statement');
      logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'] =
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/other/*`;
    });
    expect(mutated.findings.length).toBeGreaterThan(0);
    expect(mutated.findings.every((f) => f.text.startsWith('CloudWatch Logs: kms:'))).toBe(true);
  });
});
