/** The pipeline's result for one Check: an allow or a deny, always with a decision id. */
import type { ErrorCode } from '../errors';
import type { Call, Protocol } from '../calls/types';
import type { Caller } from '../identity/types';
import type { EvaluationError, Obligations } from '../policy/types';

export interface OutcomeBase {
  readonly decisionId: string;
  readonly requestId: string;
  readonly caller?: Caller;
  readonly calls: readonly Call[];
  readonly server?: string;
  readonly protocol?: Protocol;
  readonly decidingPolicies: readonly string[];
  readonly bundleRevision?: string;
}

export interface AllowOutcome extends OutcomeBase {
  readonly kind: 'allow';
  readonly obligations: Obligations;
  /** For MCP tools/list (and GET streams): the tools this caller could call; ext_proc removes the others. */
  readonly visibleTools?: readonly string[];
  /** Approvals this allow consumed (one per call an @approval forbid would have denied). */
  readonly approvals?: readonly { readonly id: string; readonly approver: string }[];
}

export interface DenyOutcome extends OutcomeBase {
  readonly kind: 'deny';
  readonly code: ErrorCode;
  /** Caller-facing reason: a policy's @reason, or the code's generic reason. Never internals. */
  readonly reason: string;
  /** Internal detail for logs and audit only. */
  readonly detail?: string;
  readonly errors: readonly EvaluationError[];
  /** For MCP denials: the JSON-RPC ids to answer (one per request in a batch) and the error code. */
  readonly jsonRpcIds?: readonly (string | number | null)[];
  readonly jsonRpcCode?: number;
  readonly approval?: {
    readonly group: string;
    readonly policyIds: readonly string[];
    /** Set once approvals are configured: the approval bound to this call, where to decide it, and until when. */
    readonly id?: string;
    readonly approveUrl?: string;
    readonly expiresAt?: string;
    readonly status?: string;
  };
  /** For identity denials on MCP routes: the RFC 9728 protected resource metadata URL (WWW-Authenticate). */
  readonly resourceMetadataUrl?: string;
}

export type Outcome = AllowOutcome | DenyOutcome;
