/**
 * The name of a restart: a fresh execution of a failed one that cannot be redriven. Deterministic, so
 * restarting the same execution twice asks Step Functions for the same name and the second request
 * starts nothing (ExecutionAlreadyExists); a restart of a restart takes the next attempt number.
 * Names keep to Step Functions' 80 characters of [A-Za-z0-9_-] (the set CloudWatch logging accepts).
 */
import { createHash } from 'node:crypto';

export const MAX_EXECUTION_NAME = 80;
const MARKER = /^(.*)-restart-(\d+)$/;

export function restartNameFor(originalName: string): string {
  const m = MARKER.exec(originalName);
  const base = m ? (m[1] ?? '') : originalName;
  const attempt = m ? Number(m[2]) + 1 : 1;
  const suffix = `-restart-${attempt}`;
  const safe = base.replace(/[^A-Za-z0-9_-]+/g, '-');
  if (safe === base && base.length > 0 && base.length + suffix.length <= MAX_EXECUTION_NAME)
    return `${base}${suffix}`;
  // Too long, or characters had to be replaced: keep a readable prefix and add a hash of the whole
  // original base, so two originals that differ only in what was cut still get different names.
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 10);
  const room = MAX_EXECUTION_NAME - suffix.length - hash.length - 1;
  const prefix = safe.slice(0, room).replace(/-+$/, '');
  return `${prefix ? `${prefix}-` : ''}${hash}${suffix}`;
}
