/**
 * The pagination cursor: the last row's key plus the filters it belongs to, signed with HMAC-SHA256 so
 * that a changed byte, a forged position or a cursor reused with other filters is refused (400).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { badParameter } from './api-errors';

export interface CursorPosition {
  readonly trendingDate: string;
  readonly categoryId: string;
}

const b64 = (b: Buffer) => b.toString('base64url');

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** The filters a cursor is bound to, in a fixed order. */
export function cursorScope(filters: Record<string, string | undefined>): string {
  return JSON.stringify(
    Object.keys(filters)
      .sort()
      .map((k) => [k, filters[k] ?? null]),
  );
}

export function encodeCursor(secret: string, scope: string, at: CursorPosition): string {
  const payload = b64(Buffer.from(JSON.stringify({ v: 1, s: scope, d: at.trendingDate, c: at.categoryId })));
  return `${payload}.${b64(mac(secret, payload))}`;
}

export function decodeCursor(secret: string, scope: string, cursor: string): CursorPosition {
  const refused = badParameter(
    '"cursor" is not a cursor this API gave out for these parameters: pass the nextCursor of the previous page unchanged, with the same region, from, to and category_id',
  );
  const [payload, signature, extra] = cursor.split('.');
  if (!payload || !signature || extra !== undefined) throw refused;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused;
  let parsed: { v?: unknown; s?: unknown; d?: unknown; c?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  if (
    parsed.v !== 1 ||
    parsed.s !== scope ||
    typeof parsed.d !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(parsed.d) ||
    typeof parsed.c !== 'string' ||
    !/^\d{1,18}$/.test(parsed.c)
  )
    throw refused;
  return { trendingDate: parsed.d, categoryId: parsed.c };
}
