/**
 * envoy.service.ext_proc.v3.ExternalProcessor/Process: one bidi stream per HTTP exchange. Each message goes
 * through the session; a failure ends the stream with a gRPC error (never a clean close, which Envoy reads as
 * "continue unmasked"). The session report is handed on once, when the stream ends either way.
 */
import * as grpc from '@grpc/grpc-js';
import type { ProcessingRequest__Output } from '../../generated/envoy/service/ext_proc/v3/ProcessingRequest';
import type { ProcessingResponse } from '../../generated/envoy/service/ext_proc/v3/ProcessingResponse';
import type { FailureCode, Session, SessionReport, Step } from '../../extproc/session';

export interface ProcessHandlerDeps {
  readonly newSession: () => Session;
  readonly onEnd: (report: SessionReport, failure: FailureCode | undefined) => void;
}

function grpcCodeOf(code: FailureCode): grpc.status {
  if (code === 'ERR_MASK_BODY_TOO_LARGE') return grpc.status.RESOURCE_EXHAUSTED;
  if (code === 'ERR_MASK_NO_DECISION') return grpc.status.FAILED_PRECONDITION;
  if (code === 'ERR_MASK_ENCODING' || code === 'ERR_MASK_INVALID_BODY') return grpc.status.INVALID_ARGUMENT;
  return grpc.status.INTERNAL;
}

export function processHandler(deps: ProcessHandlerDeps): grpc.handleBidiStreamingCall<ProcessingRequest__Output, ProcessingResponse> {
  return (call) => {
    const session = deps.newSession();
    let ended = false;
    const finish = (failure: FailureCode | undefined): void => {
      if (ended) return;
      ended = true;
      deps.onEnd(session.report(), failure);
    };
    const answer = (step: Step): void => {
      if (ended) return;
      if (step.kind === 'reply') {
        call.write(step.response);
        return;
      }
      finish(step.code);
      call.emit('error', { code: grpcCodeOf(step.code), details: `${step.code}: ${step.message}`, metadata: new grpc.Metadata() });
    };
    // Answers leave in message order: an asynchronous step (a compressed event stream) holds the ones after it.
    let pending: Promise<void> | undefined;
    call.on('data', (req: ProcessingRequest__Output) => {
      if (ended) return;
      if (pending !== undefined) {
        pending = pending.then(() => (ended ? undefined : Promise.resolve(session.handle(req)).then(answer)));
        return;
      }
      const step = session.handle(req);
      if (!(step instanceof Promise)) return answer(step);
      pending = step.then(answer);
    });
    call.on('end', () => {
      const close = (): void => {
        finish(undefined);
        call.end();
      };
      if (pending === undefined) close();
      else void pending.then(close);
    });
    call.on('error', () => finish('ERR_MASK_FAILED'));
    call.on('cancelled', () => finish(undefined));
  };
}
