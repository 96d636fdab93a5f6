/**
 * Streaming decode and re-encode of a content-encoded event stream (gzip, deflate, br) as it flows: each
 * chunk is written to a zlib stream and flushed (sync flush), so every chunk yields at once all the bytes it
 * completes, and the re-encoded output is one valid stream a client can read as it arrives. One codec per
 * exchange; its streams are closed at the end or on failure.
 */
import { constants, createBrotliCompress, createBrotliDecompress, createDeflate, createGunzip, createGzip, createInflate, type BrotliCompress, type Gzip } from 'node:zlib';

/** A zlib transform: both the decompressors and compressors share this shape. */
type ZlibStream = Gzip | BrotliCompress;

export interface StreamCodec {
  /** Decoded bytes this chunk completes; at the end, the rest. Rejects on a corrupt stream. */
  decode(chunk: Buffer, end: boolean): Promise<Buffer>;
  /** Encoded bytes for this (masked) chunk, flushed so the client can decode them now. */
  encode(chunk: Buffer, end: boolean): Promise<Buffer>;
  close(): void;
}

function pump(stream: ZlibStream, flushKind: number, maxBytes: number): (chunk: Buffer, end: boolean) => Promise<Buffer> {
  const out: Buffer[] = [];
  let size = 0;
  let failure: Error | undefined;
  stream.on('data', (b: Buffer) => {
    out.push(b);
    size += b.length;
  });
  stream.on('error', (err: Error) => {
    failure = err;
  });
  const take = (): Buffer => {
    const all = Buffer.concat(out);
    out.length = 0;
    size = 0;
    return all;
  };
  return (chunk, end) =>
    new Promise((resolve, reject) => {
      const settle = (): void => {
        if (failure !== undefined) return reject(failure);
        if (size > maxBytes) return reject(new RangeError('a decoded chunk exceeds the masking limit'));
        resolve(take());
      };
      if (failure !== undefined) return reject(failure);
      stream.once('error', reject);
      if (end) {
        stream.once('end', () => settle());
        stream.end(chunk);
        return;
      }
      stream.write(chunk);
      stream.flush(flushKind, () => {
        stream.off('error', reject);
        settle();
      });
    });
}

/** `undefined` for an encoding this module does not stream (identity included: nothing to do). */
export function streamCodecFor(contentEncoding: string | undefined, maxDecodedChunkBytes: number): StreamCodec | undefined {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  const pair: [ZlibStream, ZlibStream, number] | undefined =
    enc === 'gzip' || enc === 'x-gzip'
      ? [createGunzip(), createGzip(), constants.Z_SYNC_FLUSH]
      : enc === 'deflate'
        ? [createInflate(), createDeflate(), constants.Z_SYNC_FLUSH]
        : enc === 'br'
          ? [createBrotliDecompress(), createBrotliCompress(), constants.BROTLI_OPERATION_FLUSH]
          : undefined;
  if (pair === undefined) return undefined;
  const [decoder, encoder, flushKind] = pair;
  return {
    decode: pump(decoder, flushKind, maxDecodedChunkBytes),
    encode: pump(encoder, flushKind, Number.MAX_SAFE_INTEGER),
    close() {
      decoder.destroy();
      encoder.destroy();
    },
  };
}
