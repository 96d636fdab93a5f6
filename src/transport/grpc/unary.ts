/**
 * The one adapter every unary handler goes through: runs the work, calls back exactly once, and maps a
 * thrown error to the handler's own safe answer (grpc-js neither catches rejected async handlers nor
 * guards double callbacks).
 */
import type * as grpc from '@grpc/grpc-js';

/** What the handler may know of the call besides its message. */
export interface CallInfo {
  /** The caller's deadline in epoch ms (Envoy sends its ext_authz timeout as grpc-timeout); Infinity if none. */
  readonly deadlineMs: number;
}

function deadlineOf(call: { getDeadline(): grpc.Deadline }): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}

export function unaryHandler<Req, Res>(
  work: (request: Req, info: CallInfo) => Res | Promise<Res>,
  onError: (err: unknown) => Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let answered = false;
    const answer = (res: Res): void => {
      if (answered) return;
      answered = true;
      callback(null, res);
    };
    try {
      Promise.resolve(work(call.request, { deadlineMs: deadlineOf(call) })).then(answer, (err: unknown) => answer(onError(err)));
    } catch (err) {
      answer(onError(err));
    }
  };
}
