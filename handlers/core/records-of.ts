/**
 * The records of a `jsonLines` or `parquet` object for the transform, the same on the Lambda and the
 * local path: the header (the dataset's raw columns) first, then each record's text fields, or a broken
 * record's rule and raw text. (A `csv` object is read by its callers' CSV readers.)
 */
import { type AsyncBuffer, parquetMetadataAsync } from 'hyparquet';
import type { DatasetFormat } from '../../workflows/datasets';
import { ContractError } from './errors';
import { fieldLocations } from './json-records';
import { JsonLinesReader, type RecordsSink } from './jsonl-records';
import { parquetColumns, readParquetRecords } from './parquet-records';
import { decodeUtf8, EncodingProblem } from './validate-object';

/** How a reader reaches the object: streamed (JSON Lines) or by ranges (Parquet: its footer, then its columns). */
export interface ObjectSource {
  chunks(): AsyncIterable<Uint8Array>;
  buffer(): Promise<AsyncBuffer>;
}

/** `where` names the object in errors ("The bronze original s3://… of <key>"). */
export async function readRecordsOf(
  format: DatasetFormat,
  rawColumns: readonly string[],
  source: ObjectSource,
  sink: RecordsSink,
  where: string,
): Promise<void> {
  const accepted =
    'the ingest step should have rejected it: check that bronze holds what ingest accepted, then rerun the object';
  sink.record([...rawColumns]);
  switch (format.kind) {
    case 'jsonLines': {
      const reader = new JsonLinesReader(fieldLocations(rawColumns, format.fields), sink);
      try {
        for await (const text of decodeUtf8(source.chunks())) reader.push(text);
      } catch (e) {
        if (!(e instanceof EncodingProblem)) throw e;
        throw new ContractError(`${where} is not UTF-8 (${e.message}); ${accepted}`);
      }
      reader.end();
      return;
    }
    case 'parquet': {
      const file = await source.buffer();
      let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
      try {
        metadata = await parquetMetadataAsync(file);
      } catch (e) {
        throw new ContractError(
          `${where} is not a readable Parquet file (${(e as Error).message}); ${accepted}`,
        );
      }
      const columns = parquetColumns(metadata, rawColumns);
      if ('problem' in columns) throw new ContractError(`${where}: ${columns.problem}; ${accepted}`);
      await readParquetRecords(file, metadata, rawColumns, (fields) => sink.record(fields));
      return;
    }
    default:
      throw new Error(`readRecordsOf reads jsonLines and parquet objects, not ${format.kind}`);
  }
}
