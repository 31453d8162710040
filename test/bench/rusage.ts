/**
 * Imported first by every benchmark child: at exit, writes the process's peak RSS and CPU time to the file that
 * LAKESTEP_BENCH_RUSAGE names, so the parent reads each case's own peak, DuckDB's native memory included.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.LAKESTEP_BENCH_RUSAGE;
if (target)
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(
      target,
      JSON.stringify({ maxRssKb: r.maxRSS, cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000 }),
    );
  });
