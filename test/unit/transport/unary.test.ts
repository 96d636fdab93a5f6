import type * as grpc from '@grpc/grpc-js';
import { unaryHandler, type CallInfo } from '../../../src/transport/grpc/unary';

function fakeCall(request: string, deadline: grpc.Deadline) {
  return { request, getDeadline: () => deadline } as unknown as grpc.ServerUnaryCall<string, string>;
}

function invoke(handler: grpc.handleUnaryCall<string, string>, call: grpc.ServerUnaryCall<string, string>): Promise<string[]> {
  const answers: string[] = [];
  handler(call, (err, res) => answers.push(err ? `error:${String(err.details ?? '')}` : String(res)));
  return new Promise((resolve) => setTimeout(() => resolve(answers), 10));
}

describe('unaryHandler', () => {
  it('passes the request and the caller deadline to the work and answers once', async () => {
    const seen: CallInfo[] = [];
    const h = unaryHandler<string, string>((req, info) => {
      seen.push(info);
      return `ok:${req}`;
    }, () => 'failed');
    expect(await invoke(h, fakeCall('a', new Date(5000)))).toEqual(['ok:a']);
    expect(await invoke(h, fakeCall('b', Infinity))).toEqual(['ok:b']);
    expect(seen).toEqual([{ deadlineMs: 5000 }, { deadlineMs: Infinity }]);
  });

  it('maps thrown errors and rejected promises to the safe answer, never a gRPC error', async () => {
    const sync = unaryHandler<string, string>(() => {
      throw new Error('boom');
    }, (err) => `denied:${(err as Error).message}`);
    const async = unaryHandler<string, string>(async () => Promise.reject(new Error('later')), (err) => `denied:${(err as Error).message}`);
    expect(await invoke(sync, fakeCall('x', Infinity))).toEqual(['denied:boom']);
    expect(await invoke(async, fakeCall('x', Infinity))).toEqual(['denied:later']);
  });
});
