/**
 * Opaque cursors for keyset paging (beyond the RealWorld spec): a list answers `nextCursor` while
 * more follows, and `cursor=<it>` asks for the page after it. A cursor holds the sort key of the
 * last item served, the query it belongs to (a digest of the route, its filters and the reader) and
 * when it was issued, followed by a digest of all that: `<base64url JSON>.<base64url digest>`.
 *
 * A cursor that does not decode, whose digest does not match (altered), that belongs to another
 * query or reader (foreign) or that is older than CURSOR_LIFETIME_SECONDS or of another format
 * (stale) is a 422 naming `cursor`. The reader and the filters always come from the request, never
 * from the cursor, so even a cursor forged with a valid digest only names a position inside the
 * caller's own query: it cannot reach another reader's feed or another filter's results.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from './errors.ts';

/** A cursor is refused after this long: the position it names may no longer mean what it did. */
export const CURSOR_LIFETIME_SECONDS = 24 * 60 * 60;

const FORMAT = 1;

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 22);

const invalid = (message: string) => new AppError('Validation', { cursor: [message] });

/** The query a cursor belongs to: the route, every filter (absent ones too) and the reader. */
export const cursorScope = (route: string, parts: Readonly<Record<string, string | undefined>>): string =>
  digest(
    JSON.stringify([
      route,
      ...Object.keys(parts)
        .sort()
        .map((key) => [key, parts[key] ?? null]),
    ]),
  );

export function encodeCursor(scope: string, position: unknown, now = Date.now()): string {
  const payload = Buffer.from(
    JSON.stringify({ f: FORMAT, s: scope, p: position, t: Math.floor(now / 1000) }),
  ).toString('base64url');
  return `${payload}.${digest(payload)}`;
}

/** The position a cursor names, or a 422 when it is not one this query issued lately. */
export function decodeCursor<Position>(
  cursor: string,
  scope: string,
  position: z.ZodType<Position>,
  now = Date.now(),
): Position {
  const [payload = '', check = '', ...rest] = cursor.split('.');
  if (rest.length || !payload || check !== digest(payload)) throw invalid('is not a cursor of this API');
  let decoded: { f?: unknown; s?: unknown; p?: unknown; t?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor of this API');
  }
  if (decoded.f !== FORMAT || typeof decoded.t !== 'number') {
    throw invalid('has expired: start again from the first page');
  }
  if (decoded.s !== scope) throw invalid('belongs to another query: start again from the first page');
  const age = now / 1000 - decoded.t;
  if (age > CURSOR_LIFETIME_SECONDS || age < -60)
    throw invalid('has expired: start again from the first page');
  const parsed = position.safeParse(decoded.p);
  if (!parsed.success) throw invalid('is not a cursor of this API');
  return parsed.data;
}
