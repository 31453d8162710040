/**
 * The backfill's ports on the AWS SDK: ListObjectsV2 page by page (continuation tokens, each page
 * retried on throttling) and StartExecution, with ExecutionAlreadyExists as an answer. Errors that stop
 * the whole backfill name the bucket and prefix, or the state machine, and what to do.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { StartAnswer } from './backfill';
import type { ListedObject } from './backfill-plan';
import { type PacingDeps, withBackoff } from './pacing';
import { credentialsProblem } from './sfn-replay';

/** A problem that stops the whole backfill (no such bucket, no access, no credentials). */
export class BackfillError extends Error {
  override readonly name = 'BackfillError';
}

const describe = (e: unknown) => {
  const err = e as { name?: string; message?: string };
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
};

export async function* listObjects(
  s3: S3Client,
  deps: PacingDeps,
  bucket: string,
  prefix: string,
  pageSize = 1000,
): AsyncIterable<ListedObject[]> {
  const where = `s3://${bucket}/${prefix}`;
  let token: string | undefined;
  do {
    let out: ListObjectsV2CommandOutput;
    try {
      out = await withBackoff(deps, `ListObjectsV2 ${where}`, () =>
        s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: pageSize,
          }),
        ),
      );
    } catch (e) {
      const name = (e as { name?: string })?.name;
      const noCredentials = credentialsProblem(where, e);
      if (noCredentials) throw new BackfillError(noCredentials);
      if (name === 'NoSuchBucket')
        throw new BackfillError(
          `${where}: no such bucket (${bucket}); pass the stage's landing bucket (stack output LandingBucketName)`,
        );
      if (
        name === 'AccessDenied' ||
        name === 'AccessDeniedException' ||
        (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 403
      )
        throw new BackfillError(
          `${where}: access denied (${describe(e)}); the backfill needs s3:ListBucket on ${bucket}`,
        );
      throw new BackfillError(`${where}: cannot list the objects (${describe(e)})`);
    }
    yield (out.Contents ?? []).map((c) => ({
      key: c.Key ?? '',
      size: c.Size ?? 0,
      etag: c.ETag ?? '',
      lastModified: c.LastModified ?? new Date(0),
      ...(c.StorageClass ? { storageClass: c.StorageClass } : {}),
    }));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

export function starterOn(sfn: SFNClient, stateMachineArn: string) {
  return async (name: string, input: string): Promise<StartAnswer> => {
    try {
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
      return { status: 'started', executionArn: out.executionArn ?? '' };
    } catch (e) {
      if (e instanceof ExecutionAlreadyExists || (e as { name?: string }).name === 'ExecutionAlreadyExists')
        return { status: 'exists' };
      throw e;
    }
  };
}
