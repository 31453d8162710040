/** Writes docs/openapi.json from the API contract (`npm run openapi`); a test fails when it is stale. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../handlers/core/api-openapi';
import { DEFAULT_PORT } from './server';

export const OPENAPI_DOC = join(__dirname, '..', '..', 'docs', 'openapi.json');

export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(`http://127.0.0.1:${DEFAULT_PORT}`), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(OPENAPI_DOC, openApiText());
  console.log(`wrote ${OPENAPI_DOC}`);
}
