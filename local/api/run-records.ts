/**
 * The data-health port locally: batch outcomes read from the lake's files — the run summaries
 * (analytics/_runs, one per batch that passed) and the quarantine records (one per batch that failed
 * data quality). Files are parsed once per version; a run adding files shows up on the next request.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { BatchOutcome, RunRecordsPort } from '../../handlers/core/api-ports';
import type { LakePaths } from '../lake';

/** Data health is about the rows that feed category_daily. */
const DATASET = 'statistics';

export class LakeRunRecords implements RunRecordsPort {
  private readonly parsed = new Map<string, { version: string; outcome: BatchOutcome | null }>();

  constructor(private readonly paths: LakePaths) {}

  async batchOutcomes(): Promise<BatchOutcome[]> {
    const runs = join(this.paths.root, this.paths.buckets.analytics, '_runs', DATASET);
    const quarantine = join(this.paths.root, this.paths.buckets.quarantine, 'batches', DATASET);
    const files = [
      ...(await filesUnder(runs))
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({ f, kind: 'passed' as const })),
      ...(await filesUnder(quarantine))
        .filter((f) => f.endsWith(`${sep}reason.json`))
        .map((f) => ({ f, kind: 'quarantined' as const })),
    ];
    const out: BatchOutcome[] = [];
    for (const { f, kind } of files) {
      const s = await stat(f).catch(() => null);
      if (!s) continue;
      const version = `${s.size}:${s.mtimeMs}`;
      let entry = this.parsed.get(f);
      if (entry?.version !== version) {
        entry = {
          version,
          outcome: await outcomeOf(f, kind, relative(kind === 'passed' ? runs : quarantine, f), s.mtime),
        };
        this.parsed.set(f, entry);
      }
      if (entry.outcome) out.push(entry.outcome);
    }
    return out;
  }
}

async function outcomeOf(
  file: string,
  kind: 'passed' | 'quarantined',
  rel: string,
  mtime: Date,
): Promise<BatchOutcome | null> {
  const region = /(?:^|[\\/])region=([^\\/]+)/.exec(rel)?.[1];
  let doc: { rows?: { read?: unknown; cleansed?: unknown; quarantined?: unknown }; finishedAt?: unknown };
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null; // a record being written: it is read complete on the next request
  }
  if (!region || !doc.rows) return null;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    region,
    dataset: DATASET,
    outcome: kind,
    at: typeof doc.finishedAt === 'string' ? doc.finishedAt : mtime.toISOString(),
    rows: { read: n(doc.rows.read), cleansed: n(doc.rows.cleansed), quarantined: n(doc.rows.quarantined) },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
