/**
 * The closed set of reason codes callgate can answer with, and the ONE table that maps each code to its
 * HTTP status, gRPC status (for the rare "cannot serve at all" cases) and caller-facing reason.
 * The same code is the metrics `reason` label and the audit record's `reason` field.
 */

export const ERROR_TABLE = {
  // call parsing (calls/)
  ERR_CALL_PARTIAL_BODY: { http: 413, reason: 'request body was truncated by the proxy' },
  ERR_CALL_BODY_TOO_LARGE: { http: 413, reason: 'request body exceeds the size limit' },
  ERR_CALL_MISSING_BODY: { http: 400, reason: 'function call has no body' },
  ERR_CALL_CONTENT_ENCODING: { http: 415, reason: 'request body must not be content-encoded' },
  ERR_CALL_CONTENT_TYPE: { http: 415, reason: 'content type is not accepted on this route' },
  ERR_CALL_INVALID_UTF8: { http: 400, reason: 'request body is not valid UTF-8' },
  ERR_CALL_INVALID_JSON: { http: 400, reason: 'request body is not valid JSON' },
  ERR_CALL_DUPLICATE_KEY: { http: 400, reason: 'request body has a duplicate JSON key' },
  ERR_CALL_TOO_DEEP: { http: 400, reason: 'request body nesting exceeds the limit' },
  ERR_CALL_NOT_AN_OBJECT: { http: 400, reason: 'function arguments must be a JSON object' },
  ERR_CALL_INVALID_JSONRPC: { http: 400, reason: 'request body is not a valid JSON-RPC message' },
  ERR_CALL_BATCH_NOT_ALLOWED: { http: 400, reason: 'JSON-RPC batches are not allowed by this MCP protocol version' },
  ERR_CALL_EMPTY_BATCH: { http: 400, reason: 'JSON-RPC batch is empty' },
  ERR_CALL_MCP_HEADER_MISMATCH: { http: 400, reason: 'MCP headers do not match the request body' },
  ERR_CALL_MCP_VERSION: { http: 400, reason: 'unsupported MCP protocol version' },
  ERR_CALL_METHOD_NOT_ALLOWED: { http: 405, reason: 'HTTP method not allowed on this route' },
  ERR_CALL_NO_ROUTE: { http: 404, reason: 'no function route matches this request' },
  ERR_CALL_BATCH_TOO_LARGE: { http: 413, reason: 'JSON-RPC batch has too many messages' },
  ERR_CALL_INVALID_PATH: { http: 400, reason: 'request path is not a valid function path' },
  ERR_CALL_INVALID_FUNCTION: { http: 400, reason: 'function name is not valid' },
  ERR_CALL_ARGS_UNMAPPABLE: { http: 400, reason: 'function arguments cannot be represented exactly for policy evaluation' },
  // identity (identity/)
  ERR_IDENTITY_INVALID: { http: 401, reason: 'caller identity could not be established' },
  ERR_IDENTITY_MALFORMED: { http: 401, reason: 'the access token is malformed' },
  ERR_IDENTITY_TOO_LARGE: { http: 401, reason: 'the access token is too large' },
  ERR_IDENTITY_EXPIRED: { http: 401, reason: 'the access token expired' },
  ERR_IDENTITY_NOT_YET_VALID: { http: 401, reason: 'the access token is not yet valid' },
  ERR_IDENTITY_AUDIENCE: { http: 401, reason: 'the access token is not for this audience' },
  ERR_IDENTITY_ISSUER: { http: 401, reason: 'the access token issuer is not trusted' },
  ERR_IDENTITY_ALGORITHM: { http: 401, reason: 'the access token signing algorithm is not allowed' },
  ERR_IDENTITY_SIGNATURE: { http: 401, reason: 'the access token signature is invalid' },
  ERR_IDENTITY_UNKNOWN_KEY: { http: 401, reason: 'the access token is signed with an unknown key' },
  ERR_IDENTITY_CLAIMS: { http: 401, reason: 'the access token claims are invalid' },
  ERR_IDENTITY_INACTIVE: { http: 401, reason: 'the access token is not active' },
  ERR_IDENTITY_JWKS_UNAVAILABLE: { http: 401, reason: 'the access token could not be verified' },
  // policy (policy/)
  ERR_POLICY_UNKNOWN_FUNCTION: { http: 403, reason: 'unknown function' },
  ERR_POLICY_DENIED: { http: 403, reason: 'forbidden by policy' },
  ERR_POLICY_NOT_PERMITTED: { http: 403, reason: 'no policy permits this call' },
  ERR_POLICY_EVALUATION: { http: 403, reason: 'policy evaluation failed' },
  ERR_POLICY_REQUEST_INVALID: { http: 403, reason: 'call does not conform to the function schema' },
  ERR_POLICY_UNAUTHENTICATED: { http: 401, reason: 'authentication required' },
  ERR_APPROVAL_REQUIRED: { http: 403, reason: 'approval_required' },
  // approvals (approvals/): the data path fails closed on store errors; decide() refusals carry these codes
  ERR_APPROVAL_STORE: { http: 503, reason: 'approval store unavailable' },
  ERR_APPROVAL_NOT_FOUND: { http: 404, reason: 'approval not found' },
  ERR_APPROVAL_NOT_PENDING: { http: 409, reason: 'approval is not pending' },
  ERR_APPROVAL_EXPIRED: { http: 410, reason: 'approval expired' },
  ERR_APPROVAL_SELF: { http: 403, reason: 'the requester cannot approve their own call' },
  ERR_APPROVAL_NOT_MEMBER: { http: 403, reason: 'approver is not a member of the approver group' },
  // approver API and page (http/): who may decide, and malformed decisions
  ERR_APPROVAL_UNAUTHENTICATED: { http: 401, reason: 'approver authentication required' },
  ERR_APPROVAL_APPROVER_KIND: { http: 403, reason: 'only people can approve calls' },
  ERR_APPROVAL_REASON_REQUIRED: { http: 400, reason: 'a reason is required to reject' },
  ERR_APPROVAL_INVALID_REQUEST: { http: 400, reason: 'approval decision request is invalid' },
  ERR_APPROVAL_CSRF: { http: 403, reason: 'the form is missing a valid CSRF token' },
  ERR_APPROVAL_LOGIN_FAILED: { http: 401, reason: 'approver login failed' },
  ERR_APPROVAL_UNAVAILABLE: { http: 503, reason: 'approvals are not configured' },
  // masking (extproc/): the ext_proc stream ends with a gRPC error; Envoy answers status_on_error (500 by default)
  ERR_MASK_NO_DECISION: { http: 500, reason: 'no ext_authz decision was forwarded to the masking stage' },
  ERR_MASK_BODY_TOO_LARGE: { http: 500, reason: 'body or event exceeds the masking limit' },
  ERR_MASK_ENCODING: { http: 500, reason: 'body content-encoding cannot be masked' },
  ERR_MASK_INVALID_BODY: { http: 500, reason: 'body cannot be processed: a request body for argument redaction, or a tools/list answer, that is not the expected JSON' },
  ERR_MASK_UNEXPECTED_MESSAGE: { http: 500, reason: 'unexpected ext_proc message' },
  ERR_MASK_FAILED: { http: 500, reason: 'masking failed' },
  // service state and internal failures
  ERR_SERVICE_NO_BUNDLE: { http: 503, reason: 'no policy bundle loaded' },
  ERR_SERVICE_OVERLOADED: { http: 503, reason: 'authorization service overloaded' },
  ERR_SERVICE_MISCONFIGURED: { http: 503, reason: 'authorization service misconfigured' },
  ERR_AUDIT_UNAVAILABLE: { http: 503, reason: 'the decision could not be recorded' },
  ERR_INTERNAL: { http: 503, reason: 'internal error' },
} as const satisfies Record<string, { http: number; reason: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_TABLE[code].http;
}

export function reasonOf(code: ErrorCode): string {
  return ERROR_TABLE[code].reason;
}

/** An error raised inside callgate; the pipeline turns it into an explicit deny, never a gRPC error. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? reasonOf(code), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
