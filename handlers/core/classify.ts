/** Maps an object key to its dataset and partition value by the file name, with the workflow's routes. */
import { createHash } from 'node:crypto';
import { type Dataset, type DatasetName, UNKNOWN_PREFIX } from '../../workflows/datasets';

export interface Classification {
  readonly dataset: DatasetName | null;
  /** The partition value (lower-cased; a YouTube file's region), or null for unknown objects. */
  readonly region: string | null;
  readonly fileName: string;
}

export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The first dataset whose route matches the key's file name (definition checks refuse overlapping routes). */
export function classify(key: string, datasets: readonly Dataset[]): Classification {
  const fileName = fileNameOf(key);
  for (const { name, route } of datasets) {
    const m = route.fileName.exec(fileName);
    if (!m) continue;
    const value = m.groups?.partition ?? route.partition;
    if (value) return { dataset: name, region: value.toLowerCase(), fileName };
  }
  return { dataset: null, region: null, fileName };
}

/** What the routes expect, in words: the message that rejects a name matching none of them. */
export function expectedNames(datasets: readonly Dataset[]): string {
  return datasets.map((d) => d.route.describe).join(' or ');
}

/**
 * The `source_file=` partition value for an object: its file name when the key is the canonical landing
 * key, else the name plus a hash of the key, so that two keys with one file name never share rows.
 */
export function partitionValueFor(key: string, datasets: readonly Dataset[]): string {
  const fileName = fileNameOf(key);
  if (landingKeyFor(fileName, datasets) === key) return fileName;
  return `${fileName}~${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

/** The landing key `lakestep run --data` lands a file under (what an uploader would use on S3). */
export function landingKeyFor(fileName: string, datasets: readonly Dataset[]): string {
  const c = classify(fileName, datasets);
  const route = datasets.find((d) => d.name === c.dataset)?.route;
  if (!route || !c.region) return `${UNKNOWN_PREFIX}/${fileName}`;
  return `${route.landingPrefix}/region=${c.region}/${fileName}`;
}
