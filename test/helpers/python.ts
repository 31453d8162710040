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
  /** Sums: a number, or a string beyond 2^53 (as `lakestep query` prints them). */
  views: number | string;
  likes: number | string;
  dislikes: number | string;
  comments: number | string;
}

/**
 * The reference's verdict. Its integers beyond 2^53 become strings, as `lakestep query` prints them
 * (JSON.parse would round them to the nearest double, and exact sums are part of the contract).
 */
export function runReference(paths: readonly string[]): {
  rows: ReferenceRow[];
  objects: Record<string, ReferenceObject>;
} {
  const out = execFileSync('python3', [REFERENCE_TOOL, ...paths], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(python(EXACT_INTEGERS, [], out));
}

const EXACT_INTEGERS =
  'import json,sys\n' +
  'def x(v):\n' +
  '  if isinstance(v,dict): return {k:x(w) for k,w in v.items()}\n' +
  '  if isinstance(v,list): return [x(w) for w in v]\n' +
  '  if isinstance(v,int) and not isinstance(v,bool) and abs(v)>2**53-1: return str(v)\n' +
  '  return v\n' +
  'json.dump(x(json.load(sys.stdin)),sys.stdout)';

/** Python's csv.reader over a text (newline=''), blank records dropped: the contract's reading. */
export function pythonCsvRecords(text: string): string[][] {
  const script =
    'import csv,io,json,sys\n' +
    't=sys.stdin.buffer.read().decode("utf-8")\n' +
    'json.dump([r for r in csv.reader(io.StringIO(t,newline="")) if r],sys.stdout)';
  return JSON.parse(python(script, [], text));
}
