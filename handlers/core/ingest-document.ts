/**
 * A `json` document dataset (a reference list, an API page) is held whole, so the ingest step
 * transforms it itself: parse, take the records array, turn each record into its raw columns'
 * text fields (handlers/core/json-records.ts), run the dataset's transform spec and stage the batch. A
 * document that is not JSON or has no records array is rejected whole (`reference_shape`); a record out
 * of shape or breaking a row rule rejects it too with `onBadRecord: 'reject'`, and is quarantined with
 * its rule otherwise.
 */
import { type Dataset, RECORD_SHAPE } from '../../workflows/datasets';
import type { Batch } from './contracts';
import { capText, ObjectTooLargeError } from './errors';
import { fieldLocations, jsonRecordFields, splitPath, valueAt } from './json-records';
import type { CorePorts, ObjectRef } from './ports';
import { stageTransformed } from './stage-batch';
import { RecordTransform } from './transform-records';
import { ingestedAtMicros } from './transform-small-batch';
import { decodeUtf8, EncodingProblem, type Problem } from './validate-object';

/** The most characters of a JSON document held as one string (V8's limit is ~2^29). */
export const DOCUMENT_TEXT_LIMIT = 2 ** 28;

/**
 * A document's text, or its encoding problem, or 'too_large' beyond `limit` characters. The whole
 * object is proven UTF-8 first (as the reference decodes it all), so a huge file that is not UTF-8 is
 * still the data outcome `encoding`, and only a valid one too large to hold is a fault.
 */
export async function readDocumentText(
  chunks: AsyncIterable<Uint8Array>,
  limit = DOCUMENT_TEXT_LIMIT,
): Promise<string | Problem | 'too_large'> {
  const parts: string[] = [];
  let length = 0;
  try {
    for await (const part of decodeUtf8(chunks)) {
      length += part.length;
      if (length <= limit) parts.push(part);
    }
  } catch (e) {
    if (e instanceof EncodingProblem)
      return { reason: 'encoding', detail: `it is not UTF-8 (${e.message}); re-export it as UTF-8` };
    throw e;
  }
  return length > limit ? 'too_large' : parts.join('');
}

/** The records of a parsed document, or why it has none: `records` names the array (`''`: the document). */
export function documentRecords(text: string, records: string): unknown[] | Problem {
  let doc: unknown;
  try {
    // RFC 8259 (NaN/Infinity are not JSON), and iterative in V8: deep nesting is no reason to reject.
    doc = JSON.parse(text);
  } catch (e) {
    return { reason: 'reference_shape', detail: `it is not JSON (${capText((e as Error).message, 200)})` };
  }
  const list = valueAt(doc, splitPath(records));
  if (Array.isArray(list)) return list;
  return {
    reason: 'reference_shape',
    detail: records === '' ? 'it is not a JSON array of records' : `it has no "${records}" list`,
  };
}

/** Transforms and stages a document batch; a Problem when the object is rejected whole. */
export async function stageDocument(
  landed: ObjectRef,
  batch: Batch,
  dataset: Dataset,
  ports: CorePorts,
): Promise<Problem | null> {
  const format = dataset.format;
  if (format.kind !== 'json') throw new Error(`dataset ${dataset.name} is not a json document`);
  const read = await readDocumentText(ports.storage.read(landed));
  if (read === 'too_large')
    throw new ObjectTooLargeError(
      landed.bucket,
      landed.key,
      `The ${dataset.name} JSON document`,
      `${DOCUMENT_TEXT_LIMIT} characters`,
    );
  if (typeof read !== 'string') return read;
  const records = documentRecords(read, format.records);
  if (!Array.isArray(records)) return records;

  const spec = dataset.transform;
  const reject = format.onBadRecord === 'reject';
  const locations = fieldLocations(spec.rawColumns, format.fields);
  const transform = new RecordTransform(spec, {
    region: batch.region,
    sourceObject: batch.sourceObject,
    ingestedAt: ingestedAtMicros(batch.ingestedAt, batch.sourceObject),
  });
  transform.push([...spec.rawColumns]);
  const at = (i: number) => `${format.records || 'records'}[${i}]`;
  for (const [i, record] of records.entries()) {
    const decoded = jsonRecordFields(record, locations);
    if ('problem' in decoded) {
      if (reject) return { reason: 'reference_shape', detail: `${at(i)}: ${decoded.problem}` };
      transform.pushBroken(RECORD_SHAPE, [capText(JSON.stringify(record) ?? 'null', 1000)]);
      continue;
    }
    const rule = transform.push(decoded.fields);
    if (rule !== null && reject)
      return {
        reason: 'reference_shape',
        detail: `${at(i)} breaks the row rule ${rule} (${spec.rawColumns
          .map((c, k) => `${c}: ${JSON.stringify(capText(decoded.fields[k] ?? ''))}`)
          .join(', ')})`,
      };
  }
  const result = transform.result();
  const { rows } = await stageTransformed(spec, batch, result, ports);
  ports.log.info('batch transformed', {
    object: batch.sourceObject,
    batch: batch.id,
    engine: 'ingest',
    ...rows,
  });
  return null;
}
