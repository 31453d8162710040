/**
 * `lakestep replay --failed`: the plan (what is replayed, what skipped and why), the filters (--since,
 * --state, --error), --dry-run changing nothing, progress and summary, a replay that fails again, and
 * the lake after it all equal to the data contract over the objects' outcomes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplayReportEntry } from '../cli/replay';
import { LocalRuntime } from '../local/runtime';
import { writeSample } from '../local/sample-data';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { CATEGORY_DAILY_SQL, cli, query, runFiles, tempDir } from './helpers/lake';
import { runReference } from './helpers/python';

type Entry = ReplayReportEntry;

describe('lakestep replay --failed', () => {
  const { dir, cleanup } = tempDir('replay-bulk');
  afterAll(cleanup);
  const lake = join(dir, 'lake');
  let files: Record<string, string>;
  const names: Record<string, string> = {};

  const plan = async (...args: string[]) => {
    const out = await cli(['replay', '--failed', '--dry-run', '--json', '--lake', lake, ...args]);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.stdout);
    return { doc, entries: doc.executions as Entry[] };
  };
  const byKey = (entries: Entry[]) =>
    Object.fromEntries(
      entries.map((e) => [e.objectKey, [e.action, e.stoppedAt, e.skip?.reason ?? e.resumeAt]]),
    );

  beforeAll(async () => {
    const all = await writeSample(join(dir, 'data'), { regions: ['GB', 'CA'], rowsPerRegion: 40 });
    const pick = (re: RegExp) => all.find((f) => re.test(f)) as string;
    files = {
      gbStats: pick(/GBvideos\.csv$/),
      gbCats: pick(/GB_category_id\.json$/),
      caStats: pick(/CAvideos\.csv$/),
      caCats: pick(/CA_category_id\.json$/),
      frStats: pick(/FRvideos\.csv$/),
      frCats: pick(/FR_category_id\.json$/),
      notes: pick(/notes\.txt$/),
    };
    const promote = await runFiles(lake, [files.gbCats, files.caStats] as string[], [
      { state: 'Promote batch', mode: 'permanent' },
    ]);
    const materialize = await runFiles(
      lake,
      [files.gbStats as string],
      [{ state: 'Materialize category_daily', mode: 'permanent' }],
    );
    const fine = await runFiles(lake, [files.frStats, files.notes, files.caCats] as string[]);
    const dq = await runFiles(
      lake,
      [files.frCats as string],
      [{ state: 'Check data quality', mode: 'permanent' }],
    );
    expect([...promote, ...materialize, ...dq].map((r) => r.outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(fine.map((r) => r.outcome)).toEqual(['dq_failed', 'rejected', 'succeeded']);
    // A later execution of FR_category_id.json succeeds: its failed one is superseded.
    const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake, retryDelayMs: 1, waitMs: 1 });
    try {
      expect((await rt.rerun('raw_statistics_reference_data/region=fr/FR_category_id.json')).outcome).toBe(
        'succeeded',
      );
    } finally {
      rt.close();
    }
    for (const r of [...promote, ...materialize, ...fine]) names[r.objectKey] = r.name;
  });

  it('--dry-run lists what it would replay and what it skips, with reasons, and changes nothing', async () => {
    const before = readFileSync(
      join(lake, 'executions', names['raw_statistics/region=gb/GBvideos.csv'] as string, 'events.jsonl'),
      'utf8',
    );
    const { doc, entries } = await plan();
    expect(doc).toMatchObject({ dryRun: true, summary: { replayed: 0, skipped: 2, superseded: 1 } });
    expect(byKey(entries)).toEqual({
      'raw_statistics_reference_data/region=gb/GB_category_id.json': [
        'redrive',
        'Promote batch',
        'Promote batch',
      ],
      'raw_statistics/region=ca/CAvideos.csv': ['redrive', 'Promote batch', 'Promote batch'],
      'raw_statistics/region=gb/GBvideos.csv': [
        'redrive',
        'Materialize category_daily',
        'Materialize category_daily',
      ],
      'raw_statistics/region=fr/FRvideos.csv': ['skip', 'Data quality failed', 'data_outcome'],
      'unknown/notes.txt': ['skip', 'Object rejected', 'data_outcome'],
    });
    const fr = entries.find((e) => e.objectKey.endsWith('FRvideos.csv'));
    expect(fr?.skip?.advice).toBe(
      `npx lakestep rerun --object raw_statistics/region=fr/FRvideos.csv --lake ${lake}`,
    );
    expect(entries.every((e) => e.result === undefined)).toBe(true);
    expect(
      readFileSync(
        join(lake, 'executions', names['raw_statistics/region=gb/GBvideos.csv'] as string, 'events.jsonl'),
        'utf8',
      ),
    ).toBe(before);

    const human = await cli(['replay', '--failed', '--dry-run', '--lake', lake]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Would replay 3 of 5 executions');
    expect(human.stdout).toContain('DataQualityFailed, a data outcome');
    expect(human.stdout).toContain('1 older unsuccessful execution is superseded');
    expect(human.stdout).toContain('Dry run: nothing was replayed.');
  });

  it('--state, --error and --since narrow the selection', async () => {
    expect(Object.keys(byKey((await plan('--state', 'Promote batch')).entries)).sort()).toEqual([
      'raw_statistics/region=ca/CAvideos.csv',
      'raw_statistics_reference_data/region=gb/GB_category_id.json',
    ]);
    expect(Object.keys(byKey((await plan('--error', 'Athena.TooManyRequestsException')).entries))).toEqual([
      'raw_statistics/region=gb/GBvideos.csv',
    ]);
    expect(Object.keys(byKey((await plan('--error', 'ObjectRejected')).entries))).toEqual([
      'unknown/notes.txt',
    ]);
    expect((await plan('--since', '30m')).entries).toHaveLength(5);
    // One of them stopped two days ago: --since 24h leaves it out, --since 7d keeps it.
    const file = join(
      lake,
      'executions',
      names['raw_statistics/region=ca/CAvideos.csv'] as string,
      'execution.json',
    );
    const original = readFileSync(file, 'utf8');
    const record = JSON.parse(original);
    writeFileSync(
      file,
      JSON.stringify({ ...record, stopDate: new Date(Date.now() - 2 * 86_400_000).toISOString() }),
    );
    try {
      expect(Object.keys(byKey((await plan('--since', '24h')).entries))).not.toContain(
        'raw_statistics/region=ca/CAvideos.csv',
      );
      expect((await plan('--since', '24h')).entries).toHaveLength(4);
      expect((await plan('--since', '7d')).entries).toHaveLength(5);
    } finally {
      writeFileSync(file, original);
    }
  });

  it.each([
    [['--since', '5x'], '--since 5x is not a duration'],
    [['--state', 'Nope'], 'names no state "Nope"'],
    [['some-execution'], 'give execution names or --failed, not both'],
  ])('usage error for %j', async (args, message) => {
    const out = await cli(['replay', '--failed', '--lake', lake, ...(args as string[])]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(message);
  });

  it('replays with progress and a summary; a replay that fails again says so and exits 1', async () => {
    // Rehearse a replay that fails again: the materialization still fails.
    const first = await cli([
      'replay',
      '--failed',
      '--lake',
      lake,
      '--error',
      'Athena.TooManyRequestsException',
      '--inject-fault',
      'Materialize category_daily',
    ]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('Replayed 1: succeeded 0, failed again 1; skipped 0');
    expect(first.stdout).toContain(
      `npx lakestep replay ${names['raw_statistics/region=gb/GBvideos.csv']} --lake ${lake}`,
    );
    expect(first.stderr).toContain(
      `[1/1] ${names['raw_statistics/region=gb/GBvideos.csv']} → FAILED at "Materialize category_daily"`,
    );

    // By name, a name given twice is replayed once (a second redrive would be another attempt).
    const gb = names['raw_statistics/region=gb/GBvideos.csv'] as string;
    const twice = await cli([
      'replay',
      gb,
      gb,
      '--json',
      '--lake',
      lake,
      '--inject-fault',
      'Materialize category_daily',
    ]);
    expect(twice.code).toBe(1);
    const twiceDoc = JSON.parse(twice.stdout);
    expect(twiceDoc.summary).toMatchObject({ replayed: 1, failedAgain: 1 });
    expect(twiceDoc.executions.map((e: Entry) => [e.name, e.result?.redriveCount])).toEqual([[gb, 2]]);

    const all = await cli(['replay', '--failed', '--json', '--lake', lake]);
    expect(all.code).toBe(0);
    const doc = JSON.parse(all.stdout);
    expect(doc.summary).toEqual({
      replayed: 3,
      succeeded: 3,
      failedAgain: 0,
      notReplayed: 0,
      skipped: 2,
      superseded: 1,
    });
    const results = Object.fromEntries(
      (doc.executions as Entry[]).filter((e) => e.result).map((e) => [e.objectKey, e.result?.redriveCount]),
    );
    expect(results).toEqual({
      'raw_statistics_reference_data/region=gb/GB_category_id.json': 1,
      'raw_statistics/region=ca/CAvideos.csv': 1,
      'raw_statistics/region=gb/GBvideos.csv': 3,
    });
    expect(all.stderr.trim().split('\n')).toHaveLength(3); // one progress line per replay (not a TTY)

    // Nothing left to replay but the data outcomes, which stay skipped.
    const after = await plan();
    expect(after.entries.map((e) => e.action)).toEqual(['skip', 'skip']);

    // The lake equals the contract's answer for these objects (FRvideos.csv fails DQ, notes.txt is rejected).
    expect(await query(lake, CATEGORY_DAILY_SQL)).toEqual(runReference(Object.values(files)).rows);
  });
});
