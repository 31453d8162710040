/** Runs the pipeline once in this process over the given files and prints wall time and peak RSS as JSON. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '../../local/runtime';

async function main(): Promise<void> {
  const [lake, ...paths] = process.argv.slice(2);
  if (!lake || paths.length === 0) throw new Error('usage: run-once.ts LAKE PATH...');
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
  const t0 = performance.now();
  const rt = await LocalRuntime.open({ lake });
  let rows = 0;
  const outcomes: Record<string, number> = {};
  try {
    for (const f of files) {
      const s = await rt.execute(await rt.land(f));
      rows += s.rows?.read ?? 0;
      outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
    }
  } finally {
    rt.close();
  }
  const wallMs = performance.now() - t0;
  process.stdout.write(
    `${JSON.stringify({ wallMs, rows, outcomes, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
