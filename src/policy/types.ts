/** The contract between the request pipeline and the policy engine. */
import type { CedarValueJson, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { ErrorCode } from '../errors';
import type { ToolListing, ToolListRequest } from './tool-listing';

export interface AuthorizationInput {
  /** The principal entity (from identity). Its parents are Group uids; their ancestors come from entities.json. */
  readonly principal: EntityJson;
  /** Entities built per request besides the principal (e.g. an agent's onBehalfOf user). */
  readonly requestEntities: readonly EntityJson[];
  /** Function name = Cedar action id (in the Action type). */
  readonly action: string;
  /** Server entity id. */
  readonly resource: string;
  /** Full Cedar context: { input, caller, request, approval, time }. */
  readonly context: Readonly<Record<string, CedarValueJson>>;
}

/** Obligations of an allow, merged restrictively (union) over every deciding permit. */
export interface Obligations {
  /** Detector names for response masking (@mask). */
  readonly mask: readonly string[];
  /** JSON paths to redact in the response (@mask_fields). */
  readonly maskFields: readonly string[];
  /** Argument fields to remove before the function sees them (@redact_args). */
  readonly redactArgs: readonly string[];
}

export const NO_OBLIGATIONS: Obligations = Object.freeze({ mask: [], maskFields: [], redactArgs: [] });

export interface EvaluationError {
  readonly policyId?: string;
  readonly message: string;
}

export type PolicyDecision =
  | {
      readonly kind: 'allow';
      readonly decidingPolicies: readonly string[];
      readonly obligations: Obligations;
    }
  | {
      readonly kind: 'deny';
      /** ERR_POLICY_DENIED | ERR_POLICY_NOT_PERMITTED | ERR_POLICY_EVALUATION | ERR_POLICY_UNKNOWN_FUNCTION
       *  | ERR_POLICY_REQUEST_INVALID | ERR_APPROVAL_REQUIRED */
      readonly code: ErrorCode;
      readonly decidingPolicies: readonly string[];
      readonly errors: readonly EvaluationError[];
      /** The @reason of the deciding forbid, when there is one. */
      readonly reason?: string;
      /** Set when every deciding forbid carries @approval: the group that may lift the deny. */
      readonly approval?: { readonly group: string; readonly policyIds: readonly string[] };
    };

/** A validated, preparsed, immutable policy bundle revision. */
export interface PolicyBundle {
  /** Content hash of every file in the bundle (sha256 hex, first 16 chars). */
  readonly revision: string;
  readonly policyIds: readonly string[];
  hasFunction(name: string): boolean;
  /** Decides exactly as Cedar would over the whole set (evaluates only the slice that can match). */
  evaluate(input: AuthorizationInput): PolicyDecision;
  /** Set when decisions run on the worker pool (engine.workers > 0): the same evaluation, off the main thread. */
  readonly offThread?: OffThreadEvaluation;
  /** The tools (non-`mcp:*` functions) this caller could call on a server, by partial evaluation (tool-listing.ts). */
  listTools(request: ToolListRequest): ToolListing;
  /** Keys (`Type::"id"`) of an entity's ancestors in entities.json, transitively; [] when unknown (approver membership). */
  ancestorsOf?(key: string): readonly string[];
  /** Prepares up to `count` more of its policy slices now (idle-time warm-up, warm-bundle.ts); returns how many are left. */
  warm?(count: number): number;
  /** How many of its slices are preparsed now, and how many the idle-time warm-up has still to visit (prepare-engine.ts). */
  slices?(): { readonly total: number; readonly prepared: number; readonly pending: number };
}

/** One bundle revision staged on the evaluation pool (evaluation-pool.ts). */
export interface OffThreadEvaluation {
  /** Resolves once every worker holds the revision (serve from it only then); rejects if one refused it. */
  readonly ready: Promise<void>;
  /** Never rejects: a failure is an ERR_POLICY_EVALUATION deny. */
  evaluate(input: AuthorizationInput): Promise<PolicyDecision>;
  /** The revision no longer serves: workers drop it. */
  release(): void;
}

export interface BundleProblem {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly code: string;
  readonly message: string;
  readonly help?: string;
  /** The @id of the policy the problem is about, when it is about one policy. */
  readonly policyId?: string;
}

export type BundleLoadResult =
  | { readonly kind: 'loaded'; readonly bundle: PolicyBundle }
  | { readonly kind: 'invalid'; readonly problems: readonly BundleProblem[] };
