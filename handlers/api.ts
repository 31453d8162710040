/**
 * Lambda behind API Gateway: the analytics API's handler core (its router) over Athena and S3. API
 * Gateway has checked the API key and the required parameters already; the core validates everything
 * again, signs cursors with the stage's secret, and answers every error as {"error": {code, message}}.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AthenaAnalytics, S3RunRecords } from './api-athena';
import { handleApiRequest } from './core/api';
import type { ApiPorts } from './core/api-ports';
import { logger, metrics } from './powertools';

const tracer = new Tracer();
const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`Environment variable ${name} is not set (the stack sets it)`);
  return v;
};

const ports: ApiPorts = {
  analytics: new AthenaAnalytics(tracer.captureAWSv3Client(new AthenaClient({})), {
    workGroup: env('ATHENA_WORKGROUP'),
    database: env('ANALYTICS_DATABASE'),
    reuseMinutes: Number(process.env.RESULT_REUSE_MINUTES ?? '60'),
  }),
  runs: new S3RunRecords(tracer.captureAWSv3Client(new S3Client({})), {
    analytics: env('ANALYTICS_BUCKET'),
    quarantine: env('QUARANTINE_BUCKET'),
  }),
};
const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));
let cursorSecret: Promise<string> | null = null;

function loadCursorSecret(): Promise<string> {
  cursorSecret ??= secrets
    .send(new GetSecretValueCommand({ SecretId: env('CURSOR_SECRET_ARN') }))
    .then((s) => {
      if (!s.SecretString) throw new Error('The cursor secret has no value');
      return s.SecretString;
    })
    .catch((e) => {
      cursorSecret = null; // try again on the next request
      throw e;
    });
  return cursorSecret;
}

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const query: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(event.multiValueQueryStringParameters ?? {})) query[k] = v ?? [];
  const host = event.headers?.Host ?? event.headers?.host ?? 'localhost';
  const response = await handleApiRequest(
    { method: event.httpMethod, path: event.path, query, apiKey: undefined },
    ports,
    {
      authorize: null, // API Gateway refused the request unless its x-api-key is one of the usage plan's
      cursorSecret: await loadCursorSecret(),
      serverUrl: `https://${host}/${event.requestContext?.stage ?? ''}`,
    },
  );
  if (response.cause)
    logger.error('API request failed', { path: event.resource, error: response.cause as Error });
  metrics.addDimensions({ route: event.resource });
  metrics.addMetric('ApiRequests', MetricUnit.Count, 1);
  if (response.status >= 500) metrics.addMetric('ApiErrors', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return { statusCode: response.status, headers: response.headers, body: JSON.stringify(response.body) };
}
