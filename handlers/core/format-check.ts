/**
 * The ingest step's check of a `jsonLines` or `parquet` object, streamed: JSON Lines must be UTF-8 as a
 * whole (a line out of shape is the transform's `record_shape`, not a reason to reject the object); a
 * Parquet object must be a Parquet file whose schema holds every raw column as a flat column of a type
 * every engine reads alike (handlers/core/parquet-records.ts). Returns the problem, or null.
 */
import { type FileMetaData, parquetMetadata } from 'hyparquet';
import type { Dataset } from '../../workflows/datasets';
import { capText } from './errors';
import { parquetColumns } from './parquet-records';
import { type Problem, utf8Problem } from './validate-object';

export async function checkObjectFormat(
  chunks: AsyncIterable<Uint8Array>,
  dataset: Dataset,
): Promise<Problem | null> {
  switch (dataset.format.kind) {
    case 'jsonLines':
      return utf8Problem(chunks); // a line out of shape is the transform's record_shape
    case 'parquet':
      return checkParquet(chunks, dataset.transform.rawColumns);
    default:
      throw new Error(
        `checkObjectFormat checks the jsonLines and parquet formats; dataset ${dataset.name} is ${dataset.format.kind}`,
      );
  }
}

/** The most footer bytes held: a footer beyond this (thousands of row groups × columns) is refused. */
export const PARQUET_FOOTER_BOUND = 64 * 1024 * 1024;
const MAGIC = Buffer.from('PAR1');

/** The object's last bytes, enough for its footer, and its first four (the magic). */
async function headAndTail(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ head: Buffer; tail: Buffer; size: number }> {
  let head = Buffer.alloc(0);
  const tail: Buffer[] = [];
  let held = 0;
  let size = 0;
  for await (const c of chunks) {
    const chunk = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
    tail.push(Buffer.from(chunk)); // a copy: a stream may reuse its buffer
    held += chunk.length;
    size += chunk.length;
    while (tail.length > 1 && held - (tail[0] as Buffer).length >= PARQUET_FOOTER_BOUND + 8)
      held -= (tail.shift() as Buffer).length;
  }
  return { head, tail: Buffer.concat(tail), size };
}

const shape = (detail: string): Problem => ({ reason: 'parquet_shape', detail });

async function checkParquet(
  chunks: AsyncIterable<Uint8Array>,
  rawColumns: readonly string[],
): Promise<Problem | null> {
  const { head, tail, size } = await headAndTail(chunks);
  const notParquet = `it is not a Parquet file (a Parquet file starts and ends with "PAR1"); write it with a Parquet writer, or declare the dataset's format`;
  if (size < 12 || !head.equals(MAGIC)) return shape(notParquet);
  const end = tail.subarray(tail.length - 4);
  if (end.equals(Buffer.from('PARE')))
    return shape('its footer is encrypted (Parquet modular encryption): write it unencrypted');
  if (!end.equals(MAGIC))
    return shape(`${notParquet} (it ends with ${JSON.stringify(end.toString('latin1'))})`);
  const footer = tail.readUInt32LE(tail.length - 8);
  if (footer + 8 > size - 4)
    return shape(
      `its footer length ${footer} exceeds the file (${size} bytes): the file is truncated; write it again`,
    );
  if (footer + 8 > tail.length)
    return shape(
      `its footer is ${footer} bytes, more than ${PARQUET_FOOTER_BOUND}: write it with fewer, larger row groups`,
    );
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(tail.subarray(tail.length - footer - 8));
  } catch (e) {
    return shape(
      `its footer is not readable (${capText((e as Error).message, 200)}); the file is damaged: write it again`,
    );
  }
  const columns = parquetColumns(metadata, rawColumns);
  return 'problem' in columns ? shape(columns.problem) : null;
}
