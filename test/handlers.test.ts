/** The Lambda adapters: typed event parsing, configuration from the environment, errors Step Functions matches. */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { handler as checkDataQuality } from '../handlers/check-data-quality';
import { handler as ingestObject } from '../handlers/ingest-object';
import { bucketsFromEnv } from '../handlers/lambda-runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const context = { functionName: 'test', awsRequestId: 'req-1' } as unknown as Context;

describe('Lambda adapters', () => {
  it('exist, one per Lambda step, exporting handler', () => {
    for (const step of YOUTUBE_TRENDING.steps) {
      if (step.kind !== 'lambda') continue;
      const file = join(__dirname, '..', 'handlers', step.function.handlerFile);
      expect([step.function.handlerFile, existsSync(file)]).toEqual([step.function.handlerFile, true]);
      expect(typeof require(file).handler).toBe('function');
    }
  });

  it('reject an input of the wrong shape with Lake.ContractViolation, naming the problem', async () => {
    await expect(ingestObject({ bucket: 'landing' }, context)).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
      message: expect.stringContaining('object'),
    });
    await expect(checkDataQuality({ batch: { id: 'x' } }, context)).rejects.toMatchObject({
      name: 'Lake.ContractViolation',
    });
  });

  it('read bucket names from LAKE_BUCKET_<STAGE> and say which one is missing', () => {
    const env = {
      LAKE_BUCKET_LANDING: 'l',
      LAKE_BUCKET_BRONZE: 'b',
      LAKE_BUCKET_CLEANSED: 'c',
      LAKE_BUCKET_ANALYTICS: 'a',
      LAKE_BUCKET_QUARANTINE: 'q',
    };
    expect(bucketsFromEnv(env)).toEqual({
      landing: 'l',
      bronze: 'b',
      cleansed: 'c',
      analytics: 'a',
      quarantine: 'q',
    });
    expect(() => bucketsFromEnv({ ...env, LAKE_BUCKET_BRONZE: undefined })).toThrow(
      /LAKE_BUCKET_BRONZE is not set/,
    );
  });
});
