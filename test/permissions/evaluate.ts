/**
 * The proof itself: every recorded call of every principal evaluated by @cloud-copilot/iam-simulate
 * against the synthesized identity and resource policies (must be Allowed), and every granted
 * action/resource pair matched by some call (or acknowledged with its reason). Failures in recording order.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from './calls';
import type { Deployed } from './deployed';
import type { Identity, PrincipalEntry, ProofInput } from './principals';
import {
  ACCOUNT,
  asList,
  type PolicyDocument,
  type PolicyStatement,
  policiesOf,
  type StackPolicies,
} from './template';

export interface Acknowledged {
  /** The registry entry's name, or `resource policy` for statements of bucket/key/topic/queue policies. */
  readonly principal: string;
  readonly action: string;
  readonly resource: RegExp;
  readonly reason: string;
}

export interface Finding {
  readonly kind: 'denied' | 'unused' | 'unregistered';
  readonly text: string;
}

export interface ProofResult {
  readonly findings: readonly Finding[];
  /** Calls per principal name (deduplicated), for tests and reports. */
  readonly calls: ReadonlyMap<string, readonly AwsCall[]>;
}

const glob = (pattern: string, flags = '') =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );
const actionMatches = (pattern: string, action: string) => glob(pattern, 'i').test(action);
const resourceMatches = (pattern: string, resource: string) =>
  pattern === '*' || glob(pattern).test(resource);

/** The resource policy that governs a resource ARN: its bucket's for S3 objects and buckets. */
function resourcePolicyFor(policies: StackPolicies, resource: string): PolicyDocument | undefined {
  const s3 = /^arn:[^:]+:s3:::([^/]+)/.exec(resource);
  return policies.resource.get(s3 ? `arn:aws:s3:::${s3[1]}` : resource);
}

function dedupe(calls: readonly AwsCall[]): AwsCall[] {
  const seen = new Map<string, AwsCall>();
  for (const c of calls) {
    const key = `${c.action} ${c.resource} ${JSON.stringify(c.context ?? {})}`;
    if (!seen.has(key)) seen.set(key, c);
  }
  return [...seen.values()];
}

async function allowed(policies: StackPolicies, identity: Identity, call: AwsCall): Promise<string> {
  const role = 'role' in identity ? identity.role : null;
  const principal = role
    ? (policies.roleArns.get(role) as string)
    : (identity as { service: string }).service;
  const result = await runSimulation(
    {
      request: {
        principal,
        action: call.action,
        resource: { resource: call.resource, accountId: ACCOUNT },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...(call.action.startsWith('s3:') ? { 's3:TlsVersion': '1.3' } : {}),
          ...(role ? { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': ACCOUNT } : {}),
          ...(call.context ?? {}),
        },
      },
      identityPolicies: role ? [...(policies.identity.get(role) ?? [])] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(policies, call.resource),
    },
    {},
  );
  if (result.resultType === 'error') return `simulation error: ${result.errors.message}`;
  if (result.resultType === 'single' && result.overallResult !== 'Allowed') {
    const ignored = result.result.ignoredContextKeys ?? [];
    if (ignored.some((k) => ENCRYPTION_CONTEXT.test(k)))
      return encryptionContextVerdict(policies, identity, call);
  }
  return result.overallResult;
}

/**
 * iam-simulate 0.1.173 drops `kms:EncryptionContext:<key>` from the request context (it matches variable
 * keys only in the `prefix/name` form), so a key-policy condition on it can never match there. For a
 * service principal under the key policy, the proof evaluates that one statement shape itself: Allow
 * statements naming the service whose conditions are ArnLike/ArnEquals/StringLike/StringEquals on keys
 * of the request; any Deny statement makes the call unevaluable. test/permissions.test.ts checks that
 * the limitation still exists, so this goes when iam-simulate handles the key.
 */
export const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:/i;
const CONDITION_OPERATORS = new Set(['ArnLike', 'ArnEquals', 'StringLike', 'StringEquals']);

function encryptionContextVerdict(policies: StackPolicies, identity: Identity, call: AwsCall): string {
  const doc = resourcePolicyFor(policies, call.resource);
  if (!('service' in identity) || !doc) return 'ImplicitlyDenied (encryption context not evaluable)';
  const statements = doc.Statement.filter(
    (s) =>
      asList(s.Action).some((a) => actionMatches(a, call.action)) &&
      asList(s.Resource).some((r) => resourceMatches(r, call.resource)),
  );
  if (statements.some((s) => s.Effect === 'Deny'))
    return 'unevaluable: a Deny statement with an encryption-context key';
  const context = Object.fromEntries(
    Object.entries(call.context ?? {}).map(([k, v]) => [k.toLowerCase(), [v].flat()]),
  );
  const holds = (s: PolicyStatement) =>
    Object.entries(s.Condition ?? {}).every(
      ([op, keys]) =>
        CONDITION_OPERATORS.has(op) &&
        Object.entries(keys).every(([key, want]) =>
          (context[key.toLowerCase()] ?? []).some((have) =>
            [want].flat().some((w) => (op.endsWith('Like') ? glob(w).test(have) : w === have)),
          ),
        ),
    );
  return statements.some((s) => s.Effect === 'Allow' && servicesOf(s).includes(identity.service) && holds(s))
    ? 'Allowed'
    : 'ImplicitlyDenied (encryption context checked by the proof)';
}

/** Every Allow statement's action/resource pairs. */
function pairs(statement: PolicyStatement): { action: string; resource: string }[] {
  if (statement.Effect !== 'Allow' || statement.NotAction) return [];
  return asList(statement.Action).flatMap((action) =>
    asList(statement.Resource).map((resource) => ({ action, resource })),
  );
}

const used = (calls: readonly AwsCall[], p: { action: string; resource: string }) =>
  calls.some((c) => actionMatches(p.action, c.action) && resourceMatches(p.resource, c.resource));

const acknowledgedAs = (
  acks: readonly Acknowledged[],
  principal: string,
  p: { action: string; resource: string },
) => acks.find((a) => a.principal === principal && a.action === p.action && a.resource.test(p.resource));

const servicesOf = (s: PolicyStatement): string[] =>
  s.Principal && typeof s.Principal === 'object' && !Array.isArray(s.Principal)
    ? asList((s.Principal as { Service?: string | string[] }).Service)
    : [];
const awsPrincipalsOf = (s: PolicyStatement): string[] =>
  s.Principal === '*'
    ? ['*']
    : s.Principal && typeof s.Principal === 'object' && !Array.isArray(s.Principal)
      ? asList((s.Principal as { AWS?: string | string[] }).AWS)
      : [];

export async function prove(
  deployed: Deployed,
  input: ProofInput,
  principals: readonly PrincipalEntry[],
  acknowledged: readonly Acknowledged[],
): Promise<ProofResult> {
  const policies = policiesOf(deployed.template);
  const denied: (Finding & { seq: number })[] = [];
  const unused: Finding[] = [];
  const callsByName = new Map<string, AwsCall[]>();
  const claimed = new Map<string, string>();
  const services = new Map<string, AwsCall[]>();
  const roleCalls: AwsCall[] = [];
  const callsOfRoleArn = new Map<string, AwsCall[]>();

  for (const p of principals) {
    const identity = p.identity(deployed);
    if (!identity) continue;
    const calls = dedupe(await p.calls(input));
    callsByName.set(p.name, calls);
    if ('role' in identity) {
      if (claimed.has(identity.role))
        throw new Error(`${p.name} and ${claimed.get(identity.role)} claim the same role ${identity.role}`);
      claimed.set(identity.role, p.name);
      roleCalls.push(...calls);
      callsOfRoleArn.set(policies.roleArns.get(identity.role) ?? '', calls);
    } else services.set(identity.service, [...(services.get(identity.service) ?? []), ...calls]);
    for (const c of calls) {
      const verdict = await allowed(policies, identity, c);
      if (verdict !== 'Allowed')
        denied.push({
          kind: 'denied',
          seq: c.seq ?? Number.MAX_SAFE_INTEGER,
          text: `${p.name}: ${c.action} on ${c.resource}${c.context ? ` ${JSON.stringify(c.context)}` : ''} is ${verdict} (${c.because})`,
        });
    }
    if ('role' in identity)
      for (const { policy } of policies.identity.get(identity.role) ?? [])
        for (const s of policy.Statement)
          for (const pair of pairs(s))
            if (!used(calls, pair) && !acknowledgedAs(acknowledged, p.name, pair))
              unused.push({
                kind: 'unused',
                text: `${p.name}: granted ${pair.action} on ${pair.resource}, which no recorded call uses`,
              });
  }

  // Resource policies' Allow statements: a service's must be used by that service's calls, the account's
  // (key administration delegated to IAM) by some role's call on the resource; anything else acknowledged.
  for (const [arn, doc] of policies.resource)
    for (const s of doc.Statement)
      for (const pair of pairs(s)) {
        const onThis = (calls: readonly AwsCall[]) =>
          calls.filter((c) => resourcePolicyFor(policies, c.resource) === doc);
        const svc = servicesOf(s);
        const aws = awsPrincipalsOf(s);
        const isUsed =
          (svc.length > 0 && svc.some((name) => used(onThis(services.get(name) ?? []), pair))) ||
          (aws.some((a) => a.endsWith(`:${ACCOUNT}:root`)) && used(onThis(roleCalls), pair)) ||
          aws.some((a) => used(onThis(callsOfRoleArn.get(a) ?? []), pair));
        if (!isUsed && !acknowledgedAs(acknowledged, 'resource policy', pair))
          unused.push({
            kind: 'unused',
            text: `resource policy of ${arn}: allows ${[...svc, ...aws].join(', ')} ${pair.action} on ${pair.resource}, which no recorded call uses`,
          });
      }

  const unregistered: Finding[] = [...policies.identity.keys()]
    .filter((role) => !claimed.has(role))
    .map((role) => ({
      kind: 'unregistered' as const,
      text: `role ${role} has no entry in PRINCIPALS (test/permissions/principals.ts): record the calls it makes`,
    }));

  return {
    findings: [
      ...denied.sort((a, b) => a.seq - b.seq).map(({ kind, text }) => ({ kind, text })),
      ...unused,
      ...unregistered,
    ],
    calls: callsByName,
  };
}
