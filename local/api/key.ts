/**
 * The local API key: LAKESTEP_API_KEY when set; otherwise the one stored in the lake (api/key, mode
 * 0600), created on first use. The cursor secret is derived from it, so nothing else is stored.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LakePaths } from '../lake';

export interface ApiKey {
  readonly key: string;
  readonly source: 'env' | 'created' | 'stored';
  /** Where the key is kept, when it is the lake's. */
  readonly file: string | null;
}

export const apiKeyFile = (paths: LakePaths) => join(paths.root, 'api', 'key');

export async function resolveApiKey(paths: LakePaths, env: NodeJS.ProcessEnv = process.env): Promise<ApiKey> {
  const fromEnv = env.LAKESTEP_API_KEY;
  if (fromEnv !== undefined) {
    if (fromEnv.trim().length < 16)
      throw new Error(
        'LAKESTEP_API_KEY must be at least 16 characters (or unset it to have serve create one)',
      );
    return { key: fromEnv.trim(), source: 'env', file: null };
  }
  const file = apiKeyFile(paths);
  const stored = await readFile(file, 'utf8').catch(() => null);
  if (stored !== null && stored.trim() !== '') {
    await chmod(file, 0o600);
    return { key: stored.trim(), source: 'stored', file };
  }
  await mkdir(join(paths.root, 'api'), { recursive: true, mode: 0o700 });
  const key = `lsk_${randomBytes(24).toString('base64url')}`;
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another serve created it first: use that one.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return resolveApiKey(paths, env);
    throw e;
  }
  return { key, source: 'created', file };
}

export function cursorSecretFor(key: string): string {
  return createHmac('sha256', key).update('lakestep api cursor v1').digest('base64url');
}
