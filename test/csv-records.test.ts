import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvRecordReader, readCsvRecords } from '../handlers/core/csv-records';
import { pythonCsvRecords, REAL_DATA } from './helpers/python';

function readInChunks(text: string, size: number): string[][] {
  const out: string[][] = [];
  const reader = new CsvRecordReader((r) => out.push(r));
  for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
  reader.end();
  return out;
}

describe('CsvRecordReader reads as Python csv does', () => {
  it.each([
    ['a,b\r\nc,d\r\n'],
    ['a,b\nc,d'],
    ['a,"b\r\nstill b",c\n'],
    ['x,"tags"|"more"|"end",y\n'],
    ['bare\rcr,splits\r\n'],
    ['\n\r\n\nonly,after,blanks\n\n'],
    ['unterminated,"quote\nruns to\r the end'],
    ['a,"",""""\n,,\n'],
    ['"q"x"y",z\n'],
    ['trailing,comma,\r'],
    ['\ufeffbom,kept,as,data\n'],
    [''],
    ['"'],
    ['a\r\r\nb\n'],
  ])('%j', (text) => {
    const expected = pythonCsvRecords(text);
    expect(readCsvRecords(text)).toEqual(expected);
    for (const size of [1, 2, 3, 7]) expect(readInChunks(text, size)).toEqual(expected);
  });

  it('matches Python on random texts of quotes, commas, CR and LF', () => {
    const alphabet = ['a', 'b', ',', '"', '\r', '\n', '|', ' '];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const texts = Array.from({ length: 300 }, () =>
      Array.from(
        { length: Math.floor(rand() * 30) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join(''),
    );
    const expected = JSON.parse(
      require('node:child_process').execFileSync(
        'python3',
        [
          '-c',
          'import csv,io,json,sys\nts=json.load(sys.stdin)\njson.dump([[r for r in csv.reader(io.StringIO(t,newline="")) if r] for t in ts],sys.stdout)',
        ],
        { input: JSON.stringify(texts), encoding: 'utf8' },
      ),
    );
    texts.forEach((t, i) => {
      expect([t, readCsvRecords(t)]).toEqual([t, expected[i]]);
      expect([t, readInChunks(t, 3)]).toEqual([t, expected[i]]);
    });
  });

  it.each([
    'csv/USvideos.csv',
    'csv/CAvideos.csv',
    'csv/GBvideos.csv',
    'csv/INvideos.csv',
    'extra/USvideos__frogfreg_LF_normalized.csv',
    'extra/USvideos__v1_schema_2017-09_valkoz.csv',
  ])('reads the real %s record for record', (file) => {
    const text = new TextDecoder().decode(readFileSync(join(REAL_DATA, file)));
    const expected = pythonCsvRecords(text);
    expect(readInChunks(text, 65536)).toEqual(expected);
  });
});
