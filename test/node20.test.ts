/**
 * What the Node ≥ 22 warning of aws-local-stepfunctions means here (issue 14 item 3): its one newer API
 * is Promise.withResolvers, which local/polyfills.ts installs when missing (Node 20), so tasks fail only
 * with their own errors — never a TypeError that Retry/Catch would swallow.
 */
import { join } from 'node:path';
import { LocalRuntime } from '../local/runtime';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

describe('on Node 20', () => {
  it('the polyfill installs Promise.withResolvers where it is missing', () => {
    const ctor = Promise as unknown as { withResolvers?: unknown };
    const saved = ctor.withResolvers;
    delete ctor.withResolvers;
    try {
      jest.isolateModules(() => {
        require('../local/polyfills');
      });
      const { promise, resolve } = (
        ctor.withResolvers as () => {
          promise: Promise<number>;
          resolve: (n: number) => void;
        }
      )();
      resolve(7);
      return expect(promise).resolves.toBe(7);
    } finally {
      ctor.withResolvers = saved;
    }
  });

  it("a task's error is the handler's own (the injected fault), not the library's TypeError", async () => {
    const { dir, cleanup } = tempDir('node20');
    const rt = await LocalRuntime.open({
      workflow: YOUTUBE_TRENDING,
      lake: join(dir, 'lake'),
      faults: [{ state: 'Promote batch', mode: 'permanent' }],
      retryDelayMs: 1,
      waitMs: 1,
    });
    try {
      const run = await rt.execute(await rt.land(join(REAL_DATA, 'json', 'CA_category_id.json')));
      expect(run.status).toBe('FAILED');
      expect(run.error).not.toMatch(/TypeError/);
      expect(run.cause).toContain('Injected permanent fault at "Promote batch"');
    } finally {
      rt.close();
      cleanup();
    }
  });
});
