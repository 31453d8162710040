/**
 * Definition-time checks of a dataset's format (workflows/datasets.ts DatasetFormat): a kind lakestep
 * reads, JSON paths that are dot paths, `fields` that name raw columns, JSON types it knows, and no
 * row rule that only means something for another format. Each problem names the field and the fix.
 */
import { type Dataset, type JsonField, RECORD_SHAPE } from './datasets';

const KINDS = ['csv', 'jsonLines', 'json', 'parquet'] as const;
const JSON_TYPES = ['string', 'number', 'boolean'];
/** A dot path: keys of one or more characters other than `.`, joined by `.`. */
const DOT_PATH = /^[^.]+(\.[^.]+)*$/;

/** What is wrong with the dataset's format, each problem starting with `format.`. */
export function formatProblems(dataset: Dataset): string[] {
  const format = dataset.format as Dataset['format'] | undefined;
  if (!format || typeof format !== 'object' || !(KINDS as readonly string[]).includes(format.kind))
    return [
      `format is ${JSON.stringify(format)}: it must be one of ${KINDS.map((k) => `{ kind: '${k}' }`).join(', ')} (workflows/datasets.ts DatasetFormat)`,
    ];
  const problems: string[] = [];
  const { rawColumns, rules } = dataset.transform;
  if (format.kind !== 'csv')
    for (const rule of rules)
      if (rule.kind === 'fieldCount')
        problems.push(
          `format.kind is '${format.kind}', but rule ${rule.name} is a fieldCount, which counts CSV fields: remove it (a ${format.kind} record has exactly its raw columns)`,
        );
  if (format.kind === 'json' || format.kind === 'jsonLines')
    for (const rule of rules)
      if (rule.name === RECORD_SHAPE)
        problems.push(
          `rule ${rule.name}: ${RECORD_SHAPE} is the rule a ${format.kind} record out of shape is quarantined under: give the rule another name`,
        );
  if (format.kind === 'json') {
    if (format.records !== '' && !DOT_PATH.test(format.records))
      problems.push(
        `format.records is ${JSON.stringify(format.records)}: it must be a dot path to the records array (e.g. "items" or "data.rows"), or "" for a document that is the array`,
      );
    if (format.onBadRecord !== undefined && !['quarantine', 'reject'].includes(format.onBadRecord))
      problems.push(
        `format.onBadRecord is ${JSON.stringify(format.onBadRecord)}: it must be 'quarantine' or 'reject'`,
      );
  }
  if (format.kind === 'json' || format.kind === 'jsonLines')
    for (const [column, field] of Object.entries(format.fields ?? {})) {
      if (!rawColumns.includes(column))
        problems.push(
          `format.fields.${column}: "${column}" is not a raw column (they are ${rawColumns.join(', ')}): add it to transform.rawColumns or remove the field`,
        );
      problems.push(...jsonFieldProblems(field).map((p) => `format.fields.${column}: ${p}`));
    }
  return problems;
}

function jsonFieldProblems(field: JsonField): string[] {
  const path = typeof field === 'string' ? field : field.path;
  const problems: string[] = [];
  if (typeof path !== 'string' || !DOT_PATH.test(path))
    problems.push(`the path ${JSON.stringify(path)} is not a dot path to a value (e.g. "snippet.title")`);
  if (typeof field !== 'string' && field.type !== undefined && !JSON_TYPES.includes(field.type))
    problems.push(
      `type is ${JSON.stringify(field.type)}: it must be one of ${JSON_TYPES.join(', ')} (or absent: any scalar)`,
    );
  return problems;
}
