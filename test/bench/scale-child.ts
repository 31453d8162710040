/**
 * Section 5, the local side: `scale-child.ts LAKE DATA_DIR [CONCURRENCY]` lands every file of DATA_DIR
 * at once (all objects in landing before the first execution starts), then runs one execution per
 * landed object, as the queue of S3 events would, at most CONCURRENCY at a time (default: the core
 * count, as `lakestep run` does), sampling RSS as it goes. Prints one JSON line.
 */
import './rusage';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mapBounded } from '../../local/bounded';
import type { LandedObject } from '../../local/landing';
import { tableCounts } from '../../local/query';
import { defaultConcurrency, LocalRuntime } from '../../local/runtime';
import { YOUTUBE_TRENDING } from '../../workflows/youtube-trending.workflow';

async function main(): Promise<void> {
  const [lake, data, atOnce] = process.argv.slice(2);
  if (!lake || !data) throw new Error('usage: scale-child.ts LAKE DATA_DIR');
  const files = readdirSync(data)
    .sort()
    .map((f) => join(data, f));
  const t0 = performance.now();
  const rt = await LocalRuntime.open({ workflow: YOUTUBE_TRENDING, lake });
  try {
    const landed: LandedObject[] = [];
    for (const f of files) landed.push(await rt.land(f));
    const landMs = performance.now() - t0;
    const outcomes: Record<string, number> = {};
    const rss: { done: number; rssMb: number; heapMb: number; ms: number }[] = [];
    let cleansed = 0;
    const every = Math.max(1, Math.floor(landed.length / 10));
    let done = 0;
    await mapBounded(landed, atOnce ? Number(atOnce) : defaultConcurrency(), async (obj) => {
      const s = await rt.execute(obj);
      done++;
      outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
      cleansed += s.outcome === 'succeeded' ? (s.rows?.cleansed ?? 0) : 0;
      if (done % every === 0 || done === landed.length)
        rss.push({
          done,
          rssMb: process.memoryUsage().rss / 2 ** 20,
          heapMb: process.memoryUsage().heapUsed / 2 ** 20,
          ms: performance.now() - t0,
        });
    });
    const executions = await rt.store.list();
    const keys = new Set(executions.map((e) => e.objectKey));
    const unfinished = executions.filter((e) => e.status === 'RUNNING').length;
    const tables = Object.fromEntries(
      (await tableCounts(rt.warehouse, rt.workflow)).map((t) => [t.name, t.rows]),
    );
    process.stdout.write(
      `${JSON.stringify({
        landed: landed.length,
        executions: executions.length,
        keysWithExecution: landed.filter((o) => keys.has(o.key)).length,
        unfinished,
        outcomes,
        cleansedRowsReported: cleansed,
        tables,
        landMs,
        concurrency: atOnce ? Number(atOnce) : defaultConcurrency(),
        wallMs: performance.now() - t0,
        rss,
      })}\n`,
    );
  } finally {
    rt.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
