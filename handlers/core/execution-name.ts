/**
 * Deterministic execution names: the object key and a content hash, within Step Functions' limit of
 * 80 characters of [A-Za-z0-9_-]. The local runtime uses the content's SHA-256; on AWS the starter uses
 * the S3 ETag (the MD5 of a single-part upload). Either way a duplicate event maps to the same name.
 */
export function executionNameFor(key: string, contentHash: string): string {
  const base = key.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  const hash = contentHash.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  return `${base.slice(0, 80 - hash.length - 1)}-${hash}`;
}
