/**
 * Example HTTP JSON function service ("payments"): `POST /functions/<name>` with a JSON object body.
 * It trusts whatever reaches it, as a function behind callgate may: Envoy and callgate decide the call,
 * redact arguments (@redact_args) and mask the response (@mask, @mask_fields) before and after it runs.
 * `payments.charge` echoes the arguments it received, so the walkthrough can show what was removed.
 *
 * Listen address: FUNCTIONS_HTTP_LISTEN (default 0.0.0.0:8080). GET /healthz answers 200.
 */
import http from 'node:http';
import { announceListening, readListenAddress, stopOnSignals } from '../listen-address';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Args = { [key: string]: Json };
type Handler = (args: Args) => Json;

const MAX_BODY_BYTES = 1024 * 1024;

function lookUpPayment(paymentId: string): Json {
  return {
    id: paymentId,
    amount: '120.50',
    currency: 'EUR',
    status: 'settled',
    card: { number: '4111 1111 1111 1111', brand: 'visa' },
    customer: { id: 'c-42', name: 'Ada Lovelace', email: 'ada@example.com' },
    note: 'paid with card 5500 0000 0000 0004 after a retry',
  };
}

const functions: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['payments.get', (args) => lookUpPayment(String(args.paymentId))],
  ['payments.list', (args) => ({ customerId: args.customerId ?? null, payments: [lookUpPayment('p-1'), lookUpPayment('p-2')] })],
  ['payments.charge', (args) => ({ charged: true, received: args })],
  ['payments.refund', (args) => ({ refunded: true, orderId: args.orderId ?? null, amount: args.amount ?? null })],
]);

function sendJson(res: http.ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseArgs(text: string): Args | undefined {
  try {
    const value = JSON.parse(text) as Json;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  const name = /^\/functions\/([A-Za-z0-9_.-]+)$/.exec(path)?.[1];
  const handler = name === undefined ? undefined : functions.get(name);
  if (handler === undefined) return sendJson(res, 404, { error: 'no such function' });
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
  const args = parseArgs(await readBody(req));
  if (args === undefined) return sendJson(res, 400, { error: 'the body must be a JSON object' });
  sendJson(res, 200, handler(args));
}

function main(): void {
  const { host, port } = readListenAddress('FUNCTIONS_HTTP_LISTEN', '0.0.0.0:8080');
  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch(() => sendJson(res, 500, { error: 'internal error' }));
  });
  server.listen(port, host, () => announceListening('functions-http', server.address()));
  stopOnSignals(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
}

main();
