/**
 * `lakestep replay --failed` when one planned replay cannot be done (refused after the plan, or an
 * error of the runtime): that execution is reported with its reason, the others are still replayed,
 * the summary is still printed, and the exit status says something was not replayed.
 */
import { join } from 'node:path';
import { replayCommand } from '../cli/replay';
import { LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { runFiles, tempDir } from './helpers/lake';

describe('lakestep replay --failed with an execution that cannot be replayed', () => {
  const { dir, cleanup } = tempDir('replay-errors');
  afterAll(cleanup);
  const lake = join(dir, 'lake');

  it('reports it, replays the rest and exits 1', async () => {
    const all = await writeSample(join(dir, 'data'), { regions: ['GB', 'CA'], rowsPerRegion: 30 });
    const stats = all.filter((f) => /(GB|CA)videos\.csv$/.test(f));
    const failed = await runFiles(lake, stats, [{ state: 'Promote batch', mode: 'permanent' }]);
    expect(failed.map((r) => r.outcome)).toEqual(['failed', 'failed']);
    const [broken, fine] = failed.map((r) => r.name) as [string, string];

    const original = LocalRuntime.prototype.redrive;
    const spy = jest.spyOn(LocalRuntime.prototype, 'redrive').mockImplementation(function (
      this: LocalRuntime,
      name: string,
      ...rest: unknown[]
    ) {
      if (name === broken) return Promise.reject(new Error(`disk full while replaying ${name}`));
      return (original as (...a: unknown[]) => ReturnType<LocalRuntime['redrive']>).call(this, name, ...rest);
    });
    let stdout = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await replayCommand(['--failed', '--json', '--lake', lake]);
    } finally {
      write.mockRestore();
      err.mockRestore();
      spy.mockRestore();
    }
    expect(code).toBe(1);
    const doc = JSON.parse(stdout);
    expect(doc.summary).toMatchObject({ replayed: 1, succeeded: 1, failedAgain: 0, notReplayed: 1 });
    const byName = Object.fromEntries(
      (doc.executions as { name: string; result?: { status: string; cause: string | null } }[]).map((e) => [
        e.name,
        e.result,
      ]),
    );
    expect(byName[broken]).toMatchObject({
      status: 'NOT_REPLAYED',
      cause: `disk full while replaying ${broken}`,
    });
    expect(byName[fine]).toMatchObject({ status: 'SUCCEEDED' });
  });
});
