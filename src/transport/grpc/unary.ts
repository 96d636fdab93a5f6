/**
 * The one adapter every unary handler goes through: runs the work, calls back exactly once, and maps a
 * thrown error to the handler's own safe answer (grpc-js neither catches rejected async handlers nor
 * guards double callbacks).
 */
import type * as grpc from '@grpc/grpc-js';

export function unaryHandler<Req, Res>(
  work: (request: Req) => Res | Promise<Res>,
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
      Promise.resolve(work(call.request)).then(answer, (err: unknown) => answer(onError(err)));
    } catch (err) {
      answer(onError(err));
    }
  };
}
