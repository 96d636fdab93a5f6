/**
 * The ext_proc filter's walk through one exchange, on top of ext-proc.ts: request headers → (BUFFERED)
 * request body → upstream → response headers → (BUFFERED) response body. Headers are held while a BUFFERED
 * body is pending, so the body answer's header_mutation applies; with header mode SEND the kept
 * content-length must equal the mutated body or the reply is `status_on_error`.
 */
import type { DownstreamRequest } from './build-check-request';
import { applyBodyMutation, applyHeaderMutation, metadataContextOf, openExtProcStream, toHeaderMap, type ExtProcSettings, type createExtProcClient } from './ext-proc';
import { headerValues, removeHeader, type HeaderList } from './header-list';
import type { ResponseFilter } from './start-envoy-emulator';

type Outcome =
  | { kind: 'local'; status: number; body: string }
  | { kind: 'proceed'; down: DownstreamRequest; headers: HeaderList; responseFilter: ResponseFilter };

function contentLengthMatches(list: HeaderList, body: Buffer): boolean {
  const cl = headerValues(list, 'content-length')[0];
  return cl === undefined || Number(cl) === body.length;
}

export async function runExtProc(
  ext: { settings: ExtProcSettings; client: ReturnType<typeof createExtProcClient> },
  down: DownstreamRequest,
  headers: HeaderList,
  metadata: Record<string, unknown> | undefined,
): Promise<Outcome> {
  const statusOnError = ext.settings.statusOnError ?? 500;
  const meta = metadataContextOf(metadata);
  const stream = openExtProcStream(ext.client, ext.settings);
  const fail = (status: number, body = ''): Outcome => {
    stream.close();
    return { kind: 'local', status, body };
  };
  const reqHeaders = headers.map(([n, v]): [string, string] => [n, v]);
  const first = await stream.exchange({ request_headers: { headers: toHeaderMap(reqHeaders), end_of_stream: !down.hasBody }, metadata_context: meta }, 'request_headers');
  if (first.kind === 'local-reply') return fail(first.status, first.body);
  if (applyHeaderMutation(reqHeaders, first.response?.request_headers?.response) === 'error') return fail(statusOnError);
  let body = down.body;
  if (stream.active && down.hasBody && stream.requestBodyMode === 'BUFFERED') {
    const answer = await stream.exchange({ request_body: { body, end_of_stream: true }, metadata_context: meta }, 'request_body');
    if (answer.kind === 'local-reply') return fail(answer.status, answer.body);
    const common = answer.response?.request_body?.response;
    if (applyHeaderMutation(reqHeaders, common) === 'error') return fail(statusOnError);
    body = applyBodyMutation(body, common);
    if (!contentLengthMatches(reqHeaders, body)) return fail(statusOnError);
  }
  const responseFilter: ResponseFilter = async (status, list, upstreamBody) => {
    const withStatus: HeaderList = [[':status', String(status)], ...list];
    const rh = await stream.exchange({ response_headers: { headers: toHeaderMap(withStatus), end_of_stream: upstreamBody.length === 0 }, metadata_context: meta }, 'response_headers');
    if (rh.kind === 'local-reply') return (stream.close(), { kind: 'local', status: rh.status, body: rh.body });
    if (applyHeaderMutation(list, rh.response?.response_headers?.response) === 'error') return (stream.close(), { kind: 'local', status: statusOnError, body: '' });
    let out = upstreamBody;
    if (stream.active && upstreamBody.length > 0 && stream.responseBodyMode === 'BUFFERED') {
      const rb = await stream.exchange({ response_body: { body: upstreamBody, end_of_stream: true }, metadata_context: meta }, 'response_body');
      if (rb.kind === 'local-reply') return (stream.close(), { kind: 'local', status: rb.status, body: rb.body });
      const common = rb.response?.response_body?.response;
      if (applyHeaderMutation(list, common) === 'error') return (stream.close(), { kind: 'local', status: statusOnError, body: '' });
      out = applyBodyMutation(upstreamBody, common);
      if (!contentLengthMatches(list, out)) return (stream.close(), { kind: 'local', status: statusOnError, body: '' });
    }
    if (stream.active && stream.responseBodyMode === 'STREAMED') {
      removeHeader(list, 'content-length');
      const size = ext.settings.streamChunkBytes ?? 7;
      const parts: Buffer[] = [];
      for (let at = 0; at === 0 || at < upstreamBody.length; at += size) {
        const chunk = upstreamBody.subarray(at, at + size);
        const end = at + size >= upstreamBody.length;
        const rb = await stream.exchange({ response_body: { body: chunk, end_of_stream: end }, metadata_context: meta }, 'response_body');
        if (rb.kind === 'local-reply') return (stream.close(), { kind: 'local', status: rb.status, body: rb.body });
        parts.push(stream.active ? applyBodyMutation(chunk, rb.response?.response_body?.response) : upstreamBody.subarray(at));
        if (!stream.active) break;
      }
      out = Buffer.concat(parts);
    }
    stream.close();
    return { kind: 'send', list, body: out };
  };
  if (down.hasBody && body !== down.body) removeHeader(reqHeaders, 'transfer-encoding');
  return { kind: 'proceed', down: { ...down, body }, headers: reqHeaders, responseFilter };
}
