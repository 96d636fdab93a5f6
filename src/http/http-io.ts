/**
 * Small node:http helpers for the approvals API and page: JSON and HTML answers with no-store and
 * hardening headers, bounded body reads (JSON object, or an HTML form).
 */
import type http from 'node:http';

/** Largest request body the approvals endpoints read (a reason and a CSRF token). */
export const MAX_FORM_BYTES = 16 * 1024;

/** Only same-origin resources; inline styles are allowed through a per-response nonce, never scripts. */
export function contentSecurityPolicy(styleNonce: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${styleNonce}'`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "img-src 'self'",
  ].join('; ');
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendHtml(res: http.ServerResponse, status: number, html: string, styleNonce: string): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': contentSecurityPolicy(styleNonce),
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

export function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(303, { ...COMMON_HEADERS, location, 'content-length': 0 });
  res.end();
}

export type BodyResult = { readonly kind: 'ok'; readonly text: string } | { readonly kind: 'too_large' } | { readonly kind: 'failed' };

export function readBody(req: http.IncomingMessage, maxBytes = MAX_FORM_BYTES): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        finish({ kind: 'too_large' });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish({ kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish({ kind: 'failed' }));
  });
}

/** The media type of the request without parameters, lower-cased ("" when absent). */
export function mediaTypeOf(req: http.IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
