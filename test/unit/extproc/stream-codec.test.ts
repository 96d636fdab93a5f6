import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { streamCodecFor } from '../../../src/extproc/stream-codec';

const codecs = [
  { name: 'gzip', encode: gzipSync, decode: gunzipSync },
  { name: 'deflate', encode: deflateSync, decode: inflateSync },
  { name: 'br', encode: brotliCompressSync, decode: brotliDecompressSync },
];

describe('streamCodecFor', () => {
  it.each(codecs)('$name: every chunk yields the bytes it completes; the re-encoded chunks form one valid stream', async ({ name, encode, decode }) => {
    const text = Array.from({ length: 50 }, (_, i) => `data: {"n":${i}}\n\n`).join('');
    const encoded = encode(Buffer.from(text));
    const codec = streamCodecFor(name, 1 << 20);
    if (codec === undefined) throw new Error('no codec');
    const decoded: Buffer[] = [];
    const reencoded: Buffer[] = [];
    for (let at = 0; at < encoded.length; at += 5) {
      const end = at + 5 >= encoded.length;
      const part = await codec.decode(encoded.subarray(at, at + 5), end);
      decoded.push(part);
      reencoded.push(await codec.encode(part, end));
    }
    expect(Buffer.concat(decoded).toString()).toBe(text);
    expect(decode(Buffer.concat(reencoded)).toString()).toBe(text);
  });

  it('flushes: the first events can be decoded by the client before the stream ends', async () => {
    const codec = streamCodecFor('gzip', 1 << 20);
    if (codec === undefined) throw new Error('no codec');
    const out = await codec.encode(Buffer.from('data: 1\n\n'), false);
    expect(gunzipSync(out, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString()).toBe('data: 1\n\n');
    codec.close();
  });

  it('rejects a corrupt stream, and a chunk that decodes beyond the limit', async () => {
    const corrupt = streamCodecFor('gzip', 1 << 20);
    await expect(corrupt?.decode(Buffer.from('not gzip at all'), true)).rejects.toThrow();
    const bomb = streamCodecFor('gzip', 1000);
    await expect(bomb?.decode(gzipSync(Buffer.alloc(100_000)), false)).rejects.toThrow(RangeError);
  });

  it('has no codec for identity or unknown encodings', () => {
    expect(streamCodecFor('identity', 10)).toBeUndefined();
    expect(streamCodecFor('compress', 10)).toBeUndefined();
  });
});
