/**
 * The OpenAPI 3.1 document, generated from the contract's zod schemas (the ones the core validates
 * with), so the document cannot drift from what the handlers accept. docs/openapi.json is a copy.
 */
import { z } from 'zod/v4';
import { API_VERSION, OPENAPI_PATH, ROUTES, responses } from './api-contract';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete s.$schema;
  return s;
}

/** The query parameters of a route, one OpenAPI parameter per property of its schema. */
export function queryParameters(schema: z.ZodType) {
  const s = jsonSchema(schema, 'input');
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return {
      name,
      in: 'query',
      required: (s.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export function openApiDocument(serverUrl: string) {
  const paths: Record<string, unknown> = {};
  for (const r of ROUTES)
    paths[r.path] = {
      get: {
        operationId: r.id,
        summary: r.summary,
        security: [{ ApiKey: [] }],
        parameters: queryParameters(r.query),
        responses: {
          200: {
            description: 'OK',
            content: { 'application/json': { schema: jsonSchema(r.response, 'output') } },
          },
          400: errorResponse('A bad parameter: the message names it and what is allowed'),
          401: errorResponse('Missing or wrong x-api-key'),
          404: errorResponse('Unknown route or region'),
          405: errorResponse('A method other than GET'),
        },
      },
    };
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': {} } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'lakestep analytics API',
      version: API_VERSION,
      description:
        'Read access to analytics.category_daily (the YouTube trending data per region, day and category). Every error is {"error": {"code", "message"}}.',
    },
    servers: [{ url: serverUrl }],
    security: [{ ApiKey: [] }],
    components: {
      securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { Error: jsonSchema(responses.error, 'output') },
    },
    paths,
  };
}
