/** Maps an object key to its dataset and region by the file name, as ARCHITECTURE.md's landing rules say. */
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

/** The landing key `lakestep run --data` lands a file under (what an uploader would use on S3). */
export function landingKeyFor(fileName: string): string {
  const c = classify(fileName);
  const route = DATASET_ROUTES.find((r) => r.dataset === c.dataset);
  if (!route || !c.region) return `${UNKNOWN_PREFIX}/${fileName}`;
  return `${route.landingPrefix}/region=${c.region}/${fileName}`;
}
