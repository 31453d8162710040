/** Maps an object key to its dataset and region by the file name, as ARCHITECTURE.md's landing rules say. */
import { createHash } from 'node:crypto';
import { DATASET_ROUTES, type DatasetName, UNKNOWN_PREFIX } from '../../workflows/datasets';

export interface Classification {
  readonly dataset: DatasetName | null;
  /** Lower-case region code, or null for unknown objects. */
  readonly region: string | null;
  readonly fileName: string;
}

export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export function classify(key: string): Classification {
  const fileName = fileNameOf(key);
  for (const route of DATASET_ROUTES) {
    const m = route.fileName.exec(fileName);
    if (m?.[1]) return { dataset: route.dataset, region: m[1].toLowerCase(), fileName };
  }
  return { dataset: null, region: null, fileName };
}

/**
 * The `source_file=` partition value for an object: its file name when the key is the canonical landing
 * key, else the name plus a hash of the key, so that two keys with one file name never share rows.
 */
export function partitionValueFor(key: string): string {
  const fileName = fileNameOf(key);
  if (landingKeyFor(fileName) === key) return fileName;
  return `${fileName}~${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

/** The landing key `lakestep run --data` lands a file under (what an uploader would use on S3). */
export function landingKeyFor(fileName: string): string {
  const c = classify(fileName);
  const route = DATASET_ROUTES.find((r) => r.dataset === c.dataset);
  if (!route || !c.region) return `${UNKNOWN_PREFIX}/${fileName}`;
  return `${route.landingPrefix}/region=${c.region}/${fileName}`;
}
