/** Runs the machine's python3 (standard library only): the contract's reference and csv oracle. */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The shared contract and data: beside the project (as CI lays it out), or LAKESTEP_SHARED. */
export const SHARED = process.env.LAKESTEP_SHARED ?? resolve(__dirname, '..', '..', '..', 'shared');
export const REAL_DATA = resolve(SHARED, 'data', 'youtube-trending');
export const REFERENCE_TOOL = resolve(SHARED, 'tools', 'category_daily_reference.py');

export function python(script: string, args: readonly string[] = [], input?: string): string {
  return execFileSync('python3', ['-c', script, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}

export interface ReferenceObject {
  outcome: 'succeeded' | 'rejected' | 'dq_failed';
  reason?: string;
  read?: number;
  cleansed?: number;
  quarantined?: number;
  duplicates?: number;
  rules?: Record<string, number>;
}

export interface ReferenceRow {
  region: string;
  trending_date: string;
  category_id: number;
  category_title: string;
  videos: number;
  views: number;
  likes: number;
  dislikes: number;
  comments: number;
}

export function runReference(paths: readonly string[]): {
  rows: ReferenceRow[];
  objects: Record<string, ReferenceObject>;
} {
  const out = execFileSync('python3', [REFERENCE_TOOL, ...paths], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(out);
}

/** Python's csv.reader over a text (newline=''), blank records dropped: the contract's reading. */
export function pythonCsvRecords(text: string): string[][] {
  const script =
    'import csv,io,json,sys\n' +
    't=sys.stdin.buffer.read().decode("utf-8")\n' +
    'json.dump([r for r in csv.reader(io.StringIO(t,newline="")) if r],sys.stdout)';
  return JSON.parse(python(script, [], text));
}
