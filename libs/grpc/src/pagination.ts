import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@cec/errors';
import { isUuid } from '@cec/validation';

/** AIP-158 page size: 0 means the default; larger than max is lowered to max; negative is an error. */
export function pageSize(requested: number, options: { default?: number; max?: number; field?: string } = {}): number {
  const { default: fallback = 50, max = 1000, field = 'page_size' } = options;
  if (!Number.isInteger(requested) || requested < 0) throw InvalidArgumentError.field(field, `must not be negative, got ${requested}`);
  if (requested === 0) return fallback;
  return Math.min(requested, max);
}

/** A short digest of the filters a list was asked with; a page token only fits the same filters. */
export function filterFingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

interface TokenBody {
  v: 1;
  /** The sort key of the last row of the previous page. */
  k: unknown[];
  /** filterFingerprint of the request. */
  f: string;
}

/** An opaque token: where the next page starts, bound to the filters. */
export function encodePageToken(lastKey: unknown[], fingerprint: string): string {
  const body: TokenBody = { v: 1, k: lastKey, f: fingerprint };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The kind of each element of a sort key, checked when a token comes back. */
export type KeyPart = 'text' | 'uuid' | 'date';



function isKeyPart(value: unknown, kind: KeyPart): value is string {
  if (typeof value !== 'string') return false;
  if (kind === 'uuid') return isUuid(value);
  if (kind === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  return value.length <= 2000 && !value.includes('\u0000');
}

/**
 * The sort key a token continues after, or undefined for ''. A token is only base64 JSON, so
 * its key is checked against `shape` too: a foreign, stale or doctored token is INVALID_ARGUMENT,
 * never a query that fails in the database.
 */
export function decodePageToken(token: string, fingerprint: string, shape: readonly KeyPart[], field = 'page_token'): string[] | undefined {
  if (!token) return undefined;
  const foreign = () => InvalidArgumentError.field(field, 'is not a token this API issued; pass next_page_token unchanged');
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    throw foreign();
  }
  if (!body || body.v !== 1 || !Array.isArray(body.k) || typeof body.f !== 'string') throw foreign();
  if (body.f !== fingerprint) {
    throw InvalidArgumentError.field(field, 'was issued for different filters; repeat the request with the same filters, or start without a token');
  }
  if (body.k.length !== shape.length || !body.k.every((part, i) => isKeyPart(part, shape[i]))) throw foreign();
  return body.k as string[];
}

/**
 * Splits `rows` (fetched with limit size + 1) into the page and the token of the next one.
 */
export function paginate<T>(rows: T[], size: number, keyOf: (row: T) => unknown[], fingerprint: string): { page: T[]; nextPageToken: string } {
  if (rows.length <= size) return { page: rows, nextPageToken: '' };
  const page = rows.slice(0, size);
  return { page, nextPageToken: encodePageToken(keyOf(page[page.length - 1]), fingerprint) };
}
