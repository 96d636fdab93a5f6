/**
 * The bearer credential of a request: `Authorization: Bearer <token>` (RFC 6750 §2.1) from the lower-cased
 * header map the pipeline builds. The raw token never leaves identity/: logs, metadata and errors get
 * `tokenHash` (SHA-256, hex) instead.
 */
import { createHash } from 'node:crypto';

export type BearerToken =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string; readonly hash: string; readonly format: 'jwt' | 'opaque' }
  | { readonly kind: 'rejected'; readonly code: 'ERR_IDENTITY_MALFORMED' | 'ERR_IDENTITY_TOO_LARGE'; readonly message: string };

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function extractBearerToken(headers: ReadonlyMap<string, string>, maxBytes: number): BearerToken {
  const value = headers.get('authorization');
  if (value === undefined || value === '') return { kind: 'none' };
  if (value.length > maxBytes + 'Bearer '.length + 2) {
    return { kind: 'rejected', code: 'ERR_IDENTITY_TOO_LARGE', message: `authorization header longer than ${maxBytes} bytes` };
  }
  if (!/^bearer /i.test(value)) return { kind: 'none' };
  const match = BEARER.exec(value);
  const token = match?.[1];
  if (token === undefined) return { kind: 'rejected', code: 'ERR_IDENTITY_MALFORMED', message: 'authorization header is not a valid bearer token' };
  if (token.length > maxBytes) return { kind: 'rejected', code: 'ERR_IDENTITY_TOO_LARGE', message: `bearer token longer than ${maxBytes} bytes` };
  const format = token.split('.').length === 3 ? 'jwt' : 'opaque';
  if (format === 'jwt' && !JWT_SHAPE.test(token)) return { kind: 'rejected', code: 'ERR_IDENTITY_MALFORMED', message: 'JWT is not three base64url segments' };
  return { kind: 'token', token, hash: hashToken(token), format };
}
