/** Body bytes → text: size limit, strict UTF-8 (no replacement characters), no byte order mark. */
import { rejectCall, type Rejection } from './rejection';

export type DecodedBody = { readonly kind: 'text'; readonly text: string } | Rejection;

export function decodeBody(body: Buffer, maxBodyBytes: number): DecodedBody {
  if (body.length > maxBodyBytes) {
    return rejectCall('ERR_CALL_BODY_TOO_LARGE', `body has ${body.length} bytes; the limit is ${maxBodyBytes}`);
  }
  let text: string;
  try {
    // ignoreBOM keeps a leading U+FEFF in the text so that it can be refused below instead of being dropped.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return rejectCall('ERR_CALL_INVALID_UTF8', 'body is not valid UTF-8');
  }
  if (text.startsWith('\uFEFF')) return rejectCall('ERR_CALL_INVALID_UTF8', 'body starts with a byte order mark');
  return { kind: 'text', text };
}
