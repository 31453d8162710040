/**
 * A DECIMAL column written by the small-object Lambda (hyparquet-writer, unscaled bigints) is the
 * Parquet column DuckDB's COPY writes for the same type — physical type, length, precision, scale —
 * and reads back as the same exact values, so the catalog reads every path's batch files as one table.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cleansedParquet } from '../handlers/core/transform-parquet';
import type { TransformSpec } from '../workflows/datasets';

const SCHEMA = [
  { name: 'small', type: 'DECIMAL(9,2)' },
  { name: 'money', type: 'DECIMAL(18,2)' },
  { name: 'wide', type: 'DECIMAL(38,4)' },
] as const;

describe('DECIMAL columns in the Lambda transform’s Parquet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-decimal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are typed and valued exactly as DuckDB writes them', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const duck = join(dir, 'duck.parquet');
      const lambda = join(dir, 'lambda.parquet');
      await conn.run(
        `COPY (SELECT CAST('1.25' AS DECIMAL(9,2)) AS small, CAST('-10.00' AS DECIMAL(18,2)) AS money, CAST('-12345678901234567890123456789012.3456' AS DECIMAL(38,4)) AS wide UNION ALL SELECT NULL, NULL, NULL) TO '${duck}'`,
      );
      const spec = { schema: SCHEMA } as unknown as TransformSpec;
      writeFileSync(
        lambda,
        cleansedParquet(spec, [
          [125n, -1000n, -123456789012345678901234567890123456n],
          [null, null, null],
        ]),
      );
      const schemaOf = async (file: string) =>
        (
          await conn.runAndReadAll(
            `SELECT name, type, type_length, converted_type, scale, precision FROM parquet_schema('${file}') WHERE name <> 'duckdb_schema'`,
          )
        ).getRowsJS();
      const valuesOf = async (file: string) =>
        (
          await conn.runAndReadAll(
            `SELECT typeof(small), small::VARCHAR, typeof(money), money::VARCHAR, typeof(wide), wide::VARCHAR FROM '${file}'`,
          )
        ).getRowsJS();
      expect(await schemaOf(lambda)).toEqual(await schemaOf(duck));
      expect(await valuesOf(lambda)).toEqual([
        [
          'DECIMAL(9,2)',
          '1.25',
          'DECIMAL(18,2)',
          '-10.00',
          'DECIMAL(38,4)',
          '-12345678901234567890123456789012.3456',
        ],
        ['DECIMAL(9,2)', null, 'DECIMAL(18,2)', null, 'DECIMAL(38,4)', null],
      ]);
      expect(await valuesOf(lambda)).toEqual(await valuesOf(duck));
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
