/** Decodes and re-encodes response bodies by `content-encoding` (identity, gzip, deflate, br). */
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';

export type Codec = { readonly kind: 'codec'; decode(b: Buffer): Buffer; encode(b: Buffer): Buffer } | { readonly kind: 'unsupported'; readonly encoding: string };

const same = (b: Buffer): Buffer => b;

export function codecFor(contentEncoding: string | undefined): Codec {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return { kind: 'codec', decode: same, encode: same };
  if (enc === 'gzip' || enc === 'x-gzip') return { kind: 'codec', decode: (b) => gunzipSync(b), encode: (b) => gzipSync(b) };
  if (enc === 'deflate') return { kind: 'codec', decode: (b) => inflateSync(b), encode: (b) => deflateSync(b) };
  if (enc === 'br') return { kind: 'codec', decode: (b) => brotliDecompressSync(b), encode: (b) => brotliCompressSync(b) };
  return { kind: 'unsupported', encoding: enc };
}
