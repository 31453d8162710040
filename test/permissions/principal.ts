/** One principal of the proof: who it is in the synthesized stack, and the calls it makes. */
import type { AwsCall } from './calls';
import type { Deployed } from './deployed';
import type { LocalObservations } from './local-runs';

export interface ProofInput {
  readonly deployed: Deployed;
  readonly observed: LocalObservations;
}

/** Who makes the calls: an IAM role of the stack (by logical id), or a service under a resource policy. */
export type Identity = { readonly role: string } | { readonly service: string };

export interface PrincipalEntry {
  readonly name: string;
  /** null: the principal is not part of this stage's stack (e.g. a destroy-only helper). */
  readonly identity: (d: Deployed) => Identity | null;
  readonly calls: (p: ProofInput) => AwsCall[] | Promise<AwsCall[]>;
}
/** Ports a core needs beside the recorded ones; what they do is not an AWS call. */
export const NOOP_LOG = { info() {}, warn() {}, error() {} };
export const NOOP_METRICS = { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} };
