/**
 * Section 5's local case alone (`npx tsx test/bench/scale-only.ts [OBJECTS] [ROWS]`, default 1,000 × 20),
 * without the 12-minute `npm run bench`: prints the reading with the machine's load before and after.
 */
import { loadavg } from 'node:os';
import { measureScale } from './scale';

async function main(): Promise<void> {
  const [objects = '1000', rows = '20'] = process.argv.slice(2);
  const before = loadavg()[0];
  const reading = await measureScale(Number(objects), Number(rows));
  const { rss, ...rest } = reading;
  const load = { before: before?.toFixed(1), after: loadavg()[0]?.toFixed(1) };
  const perTenth = rss.map((r) => `${r.done}:${(r.ms / 1000).toFixed(1)}s`).join(' ');
  process.stdout.write(
    `${JSON.stringify({ date: new Date().toISOString(), load, ...rest, perTenth }, null, 1)}\n`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
