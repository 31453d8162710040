/**
 * The OpenAPI document is generated from the schemas the handlers validate with: docs/openapi.json is
 * that output (fresh), and every parameter the document states is one the core accepts, and no other.
 */
import { readFileSync } from 'node:fs';
import { handleApiRequest } from '../handlers/core/api';
import { ROUTES } from '../handlers/core/api-contract';
import type { ApiPorts } from '../handlers/core/api-ports';
import { OPENAPI_DOC, openApiText } from '../local/api/write-openapi';

/** The engine answers nothing: these requests are judged by validation alone. */
const emptyPorts: ApiPorts = {
  analytics: {
    query: async () => [{ region: 'us', first_day: '2017-11-14', last_day: '2017-11-14', row_count: 1 }],
  },
  runs: { batchOutcomes: async () => [] },
};
const options = { authorize: null, cursorSecret: 'secret', serverUrl: 'http://127.0.0.1:4322' };

describe('OpenAPI document', () => {
  it('docs/openapi.json is what the contract generates (run `npm run openapi` after changing it)', () => {
    expect(readFileSync(OPENAPI_DOC, 'utf8')).toBe(openApiText());
  });

  it('is OpenAPI 3.1 with the x-api-key scheme and every route of the contract', () => {
    const doc = JSON.parse(openApiText());
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.ApiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    expect(Object.keys(doc.paths).sort()).toEqual([...ROUTES.map((r) => r.path), '/openapi.json'].sort());
  });

  it.each(ROUTES.map((r) => [r.path, r] as const))(
    '%s: the documented parameters are exactly those the core accepts',
    async (path) => {
      const doc = JSON.parse(openApiText());
      const params = doc.paths[path].get.parameters as {
        name: string;
        required: boolean;
        schema: { pattern?: string };
      }[];
      const required = params.filter((p) => p.required).map((p) => p.name);
      const base: Record<string, string[]> = Object.fromEntries(required.map((n) => [n, ['us']]));
      const call = (query: Record<string, string[]>) =>
        handleApiRequest({ method: 'GET', path, query, apiKey: undefined }, emptyPorts, options);
      expect((await call(base)).status).toBe(200);
      for (const name of required) {
        const { [name]: _, ...without } = base;
        expect((await call(without)).status).toBe(400);
      }
      const unknown = await call({ ...base, not_a_parameter: ['1'] });
      expect(unknown.status).toBe(400);
      const message = (unknown.body as { error: { message: string } }).error.message;
      for (const p of params) expect(message).toContain(p.name);
    },
  );
});
