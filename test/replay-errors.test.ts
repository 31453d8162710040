/**
 * `lakestep replay --failed` when lakestep itself fails during one redrive (here: the store refuses the
 * ExecutionRedriven line, as a full disk would): that execution ends FAILED with Lakestep.RuntimeError
 * (never left RUNNING), it is reported with its reason, the others are still replayed, the summary is
 * still printed, the exit status says something was not replayed, and a later replay resumes it.
 */
import { join } from 'node:path';
import { replayCommand } from '../cli/replay';
import { RUNTIME_ERROR } from '../local/execution-recording';
import { ExecutionStore, type StoredEvent } from '../local/execution-store';
import { writeSample } from '../local/sample-data';
import { runFiles, tempDir } from './helpers/lake';

async function quietly(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await replayCommand(argv), stdout };
  } finally {
    write.mockRestore();
    err.mockRestore();
  }
}

describe('lakestep replay --failed when lakestep fails during one redrive', () => {
  const { dir, cleanup } = tempDir('replay-errors');
  afterAll(cleanup);
  const lake = join(dir, 'lake');

  it('ends that execution FAILED, reports it, replays the rest and exits 1; a later replay resumes it', async () => {
    const all = await writeSample(join(dir, 'data'), { regions: ['GB', 'CA'], rowsPerRegion: 30 });
    const stats = all.filter((f) => /(GB|CA)videos\.csv$/.test(f));
    const failed = await runFiles(lake, stats, [{ state: 'Promote batch', mode: 'permanent' }]);
    expect(failed.map((r) => r.outcome)).toEqual(['failed', 'failed']);
    const [broken, fine] = failed.map((r) => r.name) as [string, string];

    const original = ExecutionStore.prototype.appendEvent;
    const spy = jest.spyOn(ExecutionStore.prototype, 'appendEvent').mockImplementation(function (
      this: ExecutionStore,
      name: string,
      event: StoredEvent,
    ) {
      if (name === broken && event.type === 'ExecutionRedriven')
        return Promise.reject(
          Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
        );
      return original.call(this, name, event);
    });
    let first: { code: number; stdout: string };
    try {
      first = await quietly(['--failed', '--json', '--lake', lake]);
    } finally {
      spy.mockRestore();
    }
    expect(first.code).toBe(1);
    const doc = JSON.parse(first.stdout);
    expect(doc.summary).toMatchObject({ replayed: 1, succeeded: 1, failedAgain: 0, notReplayed: 1 });
    const byName = Object.fromEntries(
      (doc.executions as { name: string; result?: Record<string, unknown> }[]).map((e) => [e.name, e.result]),
    );
    expect(byName[broken]).toMatchObject({
      status: 'NOT_REPLAYED',
      cause: 'ENOSPC: no space left on device',
      redriveCount: 1,
    });
    expect(byName[fine]).toMatchObject({ status: 'SUCCEEDED' });

    // Not left RUNNING: FAILED with lakestep's own error, the redrive counted.
    const store = new ExecutionStore(join(lake, 'executions'));
    expect(await store.get(broken)).toMatchObject({
      status: 'FAILED',
      error: RUNTIME_ERROR,
      redriveCount: 1,
    });

    // Once the disk is fine again, a replay resumes it.
    const again = await quietly(['--failed', '--json', '--lake', lake]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).summary).toMatchObject({ replayed: 1, succeeded: 1, notReplayed: 0 });
    expect(await store.get(broken)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
  });
});
