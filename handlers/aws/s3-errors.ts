/**
 * S3's "no" answers that are not about the data: a bucket that does not exist (the stack or its
 * configuration names the wrong bucket) and a call the role may not make. Each has its own name, so
 * neither reads as "the object does not exist … land it again", and neither is retried by the workflow.
 */
import { describe, LakeError } from '../core/errors';

export type S3Operation = 'HEAD' | 'GET' | 'PUT' | 'COPY' | 'LIST' | 'DELETE';

/** The bucket named by the call does not exist in this account and region. Not retried: nothing will change by waiting. */
export class BucketNotFoundError extends LakeError {
  constructor(operation: S3Operation, bucket: string, key: string) {
    super(
      'Lake.BucketNotFound',
      `${operation} s3://${bucket}/${key}: the bucket ${bucket} does not exist (in this account and region). The stack or its configuration names a bucket that is not there: check the bucket names in the function's environment and the stack's outputs, or redeploy. This is not a data problem; landing the object again will not help.`,
    );
  }
}

/** IAM actions (and their resources) a call needs: what the message tells the reader to grant. */
export function requiredGrants(operation: S3Operation, bucket: string, key: string): string {
  const object = `arn:aws:s3:::${bucket}/${key}`;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  switch (operation) {
    case 'HEAD':
    case 'GET':
      return `s3:GetObject on ${object}, and s3:ListBucket on ${bucketArn} (without it S3 answers 403 instead of 404 for a key that does not exist)`;
    case 'PUT':
      return `s3:PutObject on ${object}`;
    case 'COPY':
      return `s3:GetObject on the source ${object} and s3:PutObject on the destination`;
    case 'LIST':
      return `s3:ListBucket on ${bucketArn} (for the prefix ${key})`;
    case 'DELETE':
      return `s3:DeleteObject on ${object}`;
  }
}

/** S3 answered 403 AccessDenied: the function's role (or the bucket's or key's policy) does not allow the call. */
export class AccessDeniedError extends LakeError {
  constructor(operation: S3Operation, bucket: string, key: string, cause: unknown) {
    super(
      'Lake.AccessDenied',
      `${operation} s3://${bucket}/${key} was denied (${describe(cause)}): a permission problem, not missing data. The function's role needs ${requiredGrants(operation, bucket, key)}; with SSE-KMS also kms:Decrypt (reads) or kms:GenerateDataKey (writes) on the bucket's key. Fix the policy in the stack, redeploy, then replay the execution.`,
      { cause },
    );
  }
}
