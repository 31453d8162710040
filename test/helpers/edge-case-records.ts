/**
 * Statistics records for edge-case tests of the transforms: a good record, one with some fields
 * replaced, and the CSV that frames them as the real exports do (a BOM, CRLFs, a blank line).
 */
import { STATISTICS } from '../../workflows/datasets';

const GOOD = [
  'aaaaaaaaaaa',
  '17.14.11',
  'title',
  'channel',
  '22',
  '2017-11-13T17:13:01.000Z',
  '"a"|"b"',
  '100',
  '10',
  '1',
  '5',
  'https://i.ytimg.com/x.jpg',
  'False',
  'TRUE',
  'maybe',
  'desc',
];

/** The good record with the fields of `over` (by column index) replaced, each field CSV-quoted (the tags as written). */
export function edgeRecord(over: Record<number, string>): string[] {
  return GOOD.map((v, i) => {
    const value = over[i] ?? v;
    return i === 6 && over[i] === undefined ? value : `"${value.replace(/"/g, '""')}"`;
  });
}

/** The contract header and `rows` as a CSV file's text: BOM, CRLF line ends, a blank line after the header. */
export function edgeCaseFile(rows: readonly (readonly string[])[]): string {
  const header = STATISTICS.rawColumns.join(',');
  return `\uFEFF${header}\r\n\r\n${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}
