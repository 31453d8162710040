/**
 * Checks of outside values use constant stack whatever their length: run where V8 compiles regular
 * expressions without loop optimizations (as it may under pressure: a full CI run saw a 16 MB category
 * id end "Maximum call stack size exceeded" instead of `reference_shape`), they still answer.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { everyCode, isDigits, withoutLeadingZeros } from '../handlers/core/text-scan';

describe('text scans', () => {
  it('tell digits, and drop leading zeros but never the last character', () => {
    expect(isDigits('0123456789')).toBe(true);
    expect(isDigits('')).toBe(false);
    expect(isDigits('12a')).toBe(false);
    expect(isDigits('١٢')).toBe(false); // Arabic-Indic digits are not ASCII digits
    expect(withoutLeadingZeros('007')).toBe('7');
    expect(withoutLeadingZeros('000')).toBe('0');
    expect(withoutLeadingZeros('10')).toBe('10');
    expect(withoutLeadingZeros('')).toBe('');
    expect(everyCode('', () => false)).toBe(true);
  });
});

/** Runs `script` (CommonJS, TypeScript imports through tsx) in a node with unoptimized regexps. */
function runUnoptimized(script: string): string {
  const child = spawnSync(
    process.execPath,
    ['--no-regexp-optimization', '--require', 'tsx/cjs', '-e', script],
    {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`the child failed (${child.status}): ${child.stderr}`);
  return child.stdout.trim();
}

describe('values of 16 MiB, where regular expressions would need stack in proportion', () => {
  const here = (p: string) => JSON.stringify(resolve(__dirname, '..', p));

  it('a category id of 16 MiB digits (or zeros) breaks its rule (then its reference is out of shape), not a RangeError', () => {
    const out = runUnoptimized(`
      const { RecordTransform } = require(${here('handlers/core/transform-records.ts')});
      const { CATEGORIES } = require(${here('workflows/datasets.ts')});
      const n = 16 * 1024 * 1024;
      const answers = ['1'.repeat(n), '0'.repeat(n), '0'.repeat(n) + '7'].map((id) => {
        const t = new RecordTransform(CATEGORIES, { region: 'us', sourceObject: 'k', ingestedAt: 0n });
        t.push(CATEGORIES.rawColumns.slice());
        const rule = t.push([id, 'x', '']);
        return rule ?? String(t.result().rows[0][1]);
      });
      process.stdout.write(JSON.stringify(answers));
    `);
    expect(JSON.parse(out)).toEqual(['category_id', '0', '7']);
  });

  it('a fetched video whose id and publishedAt are 16 MiB long still becomes a record', () => {
    const out = runUnoptimized(`
      const { videoRecord } = require(${here('handlers/core/trending-files.ts')});
      const n = 16 * 1024 * 1024;
      const item = {
        id: 'a'.repeat(n),
        snippet: { title: 't', channelTitle: 'c', categoryId: '10', publishedAt: '2020-01-01T00:00:00.' + '1'.repeat(n) + 'Z' },
        statistics: { viewCount: '1'.repeat(n) },
      };
      const r = videoRecord(item, '2020-01-02');
      process.stdout.write(JSON.stringify('record' in r ? r.record.length : r));
    `);
    expect(Number(out)).toBeGreaterThan(3 * 16 * 1024 * 1024);
  });
});
