/**
 * Ctrl-C's summary (issue 14 item 6): the stopped execution is counted as aborted (not failed), named
 * with the command that resumes it, the files never landed are listed, and `status` shows the ABORTED
 * run with its cause instead of `?`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { cli, ROOT, tempDir } from './helpers/lake';
import { REAL_DATA } from './helpers/python';

jest.setTimeout(240_000);

function startRun(args: string[], until: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'cli', 'bin.js'), 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  return new Promise((res, rej) => {
    const onData = (d: Buffer) => {
      text += d.toString();
      if (text.includes(until)) res({ child, output: () => text });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => rej(new Error(`lakestep run exited (${code}) before "${until}":\n${text}`)));
  });
}

it('Ctrl-C: aborted (not failed), the resume command, the files not landed; status shows the cause', async () => {
  const { dir, cleanup } = tempDir('run-interrupt');
  try {
    const lake = join(dir, 'lake');
    const first = join(REAL_DATA, 'json', 'CA_category_id.json');
    const second = join(REAL_DATA, 'json', 'GB_category_id.json');
    const { child, output } = await startRun(
      // One at a time, so that the second file is never landed when Ctrl-C stops the first.
      [
        '--lake',
        lake,
        '--concurrency',
        '1',
        '--data',
        first,
        '--data',
        second,
        '--inject-fault',
        'Promote batch:hang',
      ],
      'Check data quality',
    );
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const text = output();
    expect(text).toMatch(/succeeded 0 {3}rejected 0 {3}dq_failed 0 {3}failed 0 {3}aborted 1/);
    expect(text).toMatch(
      /ABORTED at "Promote batch" — resume it: npx lakestep replay raw_statistics_reference_data-region-ca-\S+ --lake /,
    );
    expect(text).not.toContain('(null)');
    expect(text).toContain(`Stopped before landing 1 file: ${second}`);
    expect(text).toMatch(/Next: npx lakestep status --lake .* replay --failed/);

    const status = await cli(['status', '--lake', lake]);
    expect(status.stdout).not.toMatch(/"Promote batch"\s+\?/);
    expect(status.stdout).toContain('ABORTED (no error)');
    expect(status.stdout).toContain('(Interrupted (Ctrl-C) while running)');
    expect(status.stdout).toContain('The last run stopped before landing all its files');
  } finally {
    cleanup();
  }
});
