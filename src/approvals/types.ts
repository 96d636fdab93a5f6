/**
 * Just-in-time approvals (design §3): the records, the store seam and the approver-facing service.
 * An approval is bound to one exact call by its fingerprint; once approved it lifts the `@approval` forbid
 * for exactly one retry of that call (consumed atomically), before `expiresAt`.
 */
import type { ErrorCode } from '../errors';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'consumed' | 'expired';

export interface EntityRef {
  readonly type: string;
  readonly id: string;
}

/** What the data path asks for when a call is denied by an `@approval` forbid. */
export interface ApprovalRequest {
  /** SHA-256 (hex) of the canonical call: principal, function, server, RFC 8785 JSON of the input, policy id. */
  readonly fingerprint: string;
  readonly principal: EntityRef;
  /** The user an agent acts for. */
  readonly onBehalfOf?: EntityRef;
  readonly function: string;
  readonly server: string;
  readonly policyId: string;
  /** From `@approval("Group::\"oncall\"")`. */
  readonly approverGroup: EntityRef;
  /** The input masked with src/masking detectors, for display to approvers. */
  readonly maskedInput: unknown;
}

export interface Approval extends ApprovalRequest {
  readonly id: string;
  readonly status: ApprovalStatus;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly decidedBy?: EntityRef;
  readonly decidedAt?: string;
  readonly reason?: string;
  /** Set once an approved approval has lifted its forbid for one call. */
  readonly consumedAt?: string;
}

/** The caller deciding an approval, verified by OIDC (the identity module) before it reaches the service. */
export interface Approver {
  readonly principal: EntityRef;
  /** The groups the verified token carries (e.g. `Group::"oncall"`); membership also follows the bundle's entities. */
  readonly groups: readonly EntityRef[];
}

export type DecideVerdict = 'approve' | 'reject';

export type DecideResult =
  | { readonly kind: 'decided'; readonly approval: Approval }
  /** not a member, self-approval, expired, not pending, unknown id, store failure */
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

export interface ApprovalService {
  listPending(): Promise<readonly Approval[]>;
  get(id: string): Promise<Approval | undefined>;
  decide(id: string, approver: Approver, verdict: DecideVerdict, reason: string): Promise<DecideResult>;
}

/** H5 implements (webhooks); must never throw, and a failed notification never loses the approval. */
export interface ApprovalNotifier {
  notifyRequested(approval: Approval, approveUrl: string): void;
}


/** Result of a conditional status change in a store. */
export type TransitionResult =
  | { readonly kind: 'changed'; readonly approval: Approval }
  | { readonly kind: 'unchanged'; readonly current: Approval | undefined };

/** The persistence seam: SQLite (embedded default) or Redis (several replicas). Every change is atomic. */
export interface ApprovalStore {
  /**
   * Returns the live (pending or approved, not expired at `now`) approval for this fingerprint, or inserts
   * `candidate` as pending. Atomic: two concurrent callers with one fingerprint get the same approval.
   */
  findOrCreate(candidate: Approval, now: Date): Promise<{ readonly approval: Approval; readonly created: boolean }>;
  get(id: string): Promise<Approval | undefined>;
  /** Pending approvals not yet expired at `now`, oldest first. */
  listPending(now: Date): Promise<readonly Approval[]>;
  /**
   * pending → approved | rejected, only while pending and not expired at `now`; records decidedBy/At and reason.
   */
  decide(id: string, update: DecisionUpdate, now: Date): Promise<TransitionResult>;
  /**
   * approved → consumed, only while approved and not expired at `now`. Atomic and single use: of any number
   * of concurrent callers (in any process), exactly one gets `changed`.
   */
  consume(id: string, now: Date): Promise<TransitionResult>;
  /** pending|approved → expired for every approval whose expiresAt ≤ now; returns those it changed. */
  expire(now: Date): Promise<readonly Approval[]>;
  close(): Promise<void>;
}

export interface DecisionUpdate {
  readonly status: 'approved' | 'rejected';
  readonly decidedBy: EntityRef;
  readonly reason: string;
}
