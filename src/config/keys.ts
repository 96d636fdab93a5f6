/**
 * Every process-config key, its type, default and help text: the single source for the YAML schema,
 * the `--flag` names, the `CALLGATE_*` environment variables and the README reference table.
 */

export type KeyKind = 'string' | 'int' | 'bool' | 'string-list' | 'json';

export interface ConfigKey {
  /** Dotted path in the YAML file, e.g. "listen.grpc". */
  readonly path: string;
  readonly kind: KeyKind;
  readonly default: unknown;
  readonly help: string;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { path: 'listen.grpc', kind: 'string', default: '127.0.0.1:9001', help: 'gRPC listen address (Authorization/Check, ExternalProcessor/Process, grpc.health.v1.Health)' },
  { path: 'listen.http', kind: 'string', default: '127.0.0.1:9002', help: 'HTTP listen address (/metrics, /healthz, /readyz, /.well-known/oauth-protected-resource, the /approvals API and page)' },
  { path: 'policies', kind: 'string', default: './policies', help: 'policy bundle directory: *.cedar (recursive), schema.cedarschema, entities.json' },
  { path: 'watch_policies', kind: 'bool', default: true, help: 'reload the bundle when files change (an invalid change keeps the last good bundle)' },
  { path: 'reload_debounce_ms', kind: 'int', default: 250, help: 'wait this long after the last file change before reloading' },
  { path: 'routes', kind: 'json', default: [], help: 'function routes used when Envoy sends no context_extensions (see README)' },
  { path: 'identity.jwt_authn.metadata_namespace', kind: 'string', default: 'envoy.filters.http.jwt_authn', help: "metadata namespace of Envoy's jwt_authn filter" },
  { path: 'identity.jwt_authn.payload_key', kind: 'string', default: 'jwt_payload', help: 'key of the verified JWT payload in that namespace (jwt_authn payload_in_metadata)' },
  { path: 'identity.mtls.enabled', kind: 'bool', default: true, help: "use the peer certificate principal Envoy sends (source.principal) as a Service identity" },
  { path: 'identity.mtls.trust_domains', kind: 'string-list', default: [], help: 'SPIFFE trust domains accepted for mTLS identities; empty accepts any' },
  { path: 'identity.mapping.groups_claim', kind: 'string', default: 'groups', help: 'claim (dotted path) holding the caller groups; each becomes a Group parent' },
  { path: 'identity.mapping.scopes_claim', kind: 'string', default: 'scope', help: 'claim holding scopes (space-separated string or array)' },
  { path: 'identity.mapping.agent_clients', kind: 'string-list', default: [], help: 'client ids (azp / client_id) whose tokens are AI agents even without an act claim' },
  { path: 'identity.mapping.service_clients', kind: 'string-list', default: [], help: 'client ids whose tokens are services (besides tokens whose sub equals their client id)' },
  { path: 'identity.issuers', kind: 'json', default: [], help: 'OIDC issuers whose bearer tokens callgate verifies itself: [{issuer, audiences, algorithms?, clock_skew_seconds?, jwks_uri?, introspection?: {client_id, client_secret}, mapping?}] (docs/identity.md)' },
  { path: 'identity.token.max_bytes', kind: 'int', default: 8192, help: 'longest bearer token accepted (longer is denied 401)' },
  { path: 'identity.token.cache_size', kind: 'int', default: 10000, help: 'verified tokens kept (by SHA-256 of the token, never past exp)' },
  { path: 'identity.token.introspection_cache_seconds', kind: 'int', default: 60, help: 'longest reuse of an active introspection result (also capped by exp)' },
  { path: 'identity.token.jwks_cooldown_seconds', kind: 'int', default: 30, help: 'shortest gap between JWKS re-fetches triggered by an unknown key id (rotation is picked up after it)' },
  { path: 'identity.resource', kind: 'string', default: '', help: 'RFC 9728 resource identifier served at /.well-known/oauth-protected-resource ("" = not served)' },
  { path: 'identity.resource_metadata_url', kind: 'string', default: '', help: 'public URL of that metadata, sent as resource_metadata in 401s on MCP routes' },
  { path: 'limits.max_body_bytes', kind: 'int', default: 1048576, help: 'largest request body callgate parses (match Envoy max_request_bytes)' },
  { path: 'limits.max_json_depth', kind: 'int', default: 64, help: 'deepest JSON nesting accepted in a call' },
  { path: 'limits.max_batch_size', kind: 'int', default: 32, help: 'most messages accepted in an MCP 2025-03-26 JSON-RPC batch' },
  { path: 'limits.max_in_flight', kind: 'int', default: 256, help: 'most Checks evaluated at once (including those waiting on token verification or a policy worker); beyond it a Check is denied 503 ERR_SERVICE_OVERLOADED at once' },
  { path: 'masking.style', kind: 'string', default: 'full', help: 'how detected values are replaced: full ([REDACTED:pan]), partial (keep last 4), token (HMAC pseudonym)' },
  { path: 'masking.token_key', kind: 'string', default: '', help: 'HMAC key for the token style (at least 16 characters; prefer the environment variable)' },
  { path: 'masking.max_body_bytes', kind: 'int', default: 4194304, help: 'largest body (after decoding) ext_proc masks; larger bodies fail closed' },
  { path: 'masking.max_event_bytes', kind: 'int', default: 1048576, help: 'largest single SSE event held back while a stream is masked; larger events fail closed' },
  { path: 'masking.custom_detectors', kind: 'json', default: [], help: 'extra detectors run on every masked body: [{name, pattern (ECMAScript regex), max_length?}]' },
  { path: 'shutdown.drain_timeout_ms', kind: 'int', default: 10000, help: 'on SIGTERM: time given to in-flight calls before the server is forced down' },
  { path: 'audit.sink', kind: 'string', default: 'stdout', help: 'where decision audit records go: stdout (JSON lines), file, or none' },
  { path: 'audit.file', kind: 'string', default: './callgate-audit.jsonl', help: 'audit file for audit.sink=file (appended; the hash chain continues across restarts and rotations)' },
  { path: 'audit.rotate.max_bytes', kind: 'int', default: 104857600, help: 'rotate the audit file before it would grow past this size (0 = never by size)' },
  { path: 'audit.rotate.daily', kind: 'bool', default: false, help: 'also rotate the audit file at the first record of each UTC day' },
  { path: 'audit.rotate.keep', kind: 'int', default: 10, help: 'rotated audit files kept (<file>.<UTC timestamp>.jsonl; 0 = keep all)' },
  { path: 'audit.on_failure', kind: 'string', default: 'deny', help: 'when the audit sink cannot write: deny the call (ERR_AUDIT_UNAVAILABLE, 503) or continue (counted)' },
  { path: 'audit.args', kind: 'string', default: 'masked', help: 'arguments in records: masked (digest + masked copy, @redact_args removed) or digest (digest only)' },
  { path: 'audit.mask_style', kind: 'string', default: 'full', help: 'how detected values in recorded arguments are replaced: full, partial, token (uses masking.token_key)' },
  { path: 'audit.signing_key', kind: 'string', default: '', help: 'Ed25519 private key (PEM file) signing audit checkpoints ("" = no checkpoints)' },
  { path: 'audit.checkpoint.every_records', kind: 'int', default: 1000, help: 'write a signed checkpoint after this many records (0 = not by count)' },
  { path: 'audit.checkpoint.every_seconds', kind: 'int', default: 60, help: 'write a signed checkpoint this often when records were written (0 = not by time)' },
  { path: 'approvals.store', kind: 'string', default: 'sqlite:./data/approvals.db', help: 'approval store: sqlite:<file> (embedded; pending approvals survive a restart) or redis://host:port[/db] (shared by several replicas)' },
  { path: 'approvals.ttl_seconds', kind: 'int', default: 900, help: 'how long an approval (pending, or approved and not yet used) stays valid' },
  { path: 'approvals.public_url', kind: 'string', default: '', help: 'base URL of the HTTP port as approvers reach it; approve_url = <base>/approvals/<id> ("" = http://<bound listen.http>)' },
  { path: 'approvals.hold_seconds', kind: 'int', default: 0, help: "hold mode: a Check needing approval waits up to this long for the decision (keep below Envoy's ext_authz timeout; 0 = answer at once)" },
  { path: 'approvals.hold_poll_ms', kind: 'int', default: 250, help: 'in hold mode, how often the store is re-read for the decision' },
  { path: 'approvals.sweep_seconds', kind: 'int', default: 30, help: 'how often approvals past their expiry are marked expired (and audited)' },
  { path: 'approvals.notify.url', kind: 'string', default: '', help: 'webhook URL POSTed when an approval is requested ("" = no notifications)' },
  { path: 'approvals.notify.format', kind: 'string', default: 'json', help: 'webhook body: json (the approval event) or slack (a Slack-compatible incoming-webhook message)' },
  { path: 'approvals.notify.secret', kind: 'string', default: '', help: 'HMAC-SHA256 key signing webhook bodies in x-callgate-signature ("" = unsigned; prefer the environment variable)' },
  { path: 'approvals.notify.timeout_ms', kind: 'int', default: 5000, help: 'timeout of one webhook attempt' },
  { path: 'approvals.notify.max_attempts', kind: 'int', default: 5, help: 'webhook attempts before giving up (5xx, 408, 429 and network errors are retried; the approval stays pending)' },
  { path: 'approvals.notify.initial_delay_ms', kind: 'int', default: 500, help: 'first retry delay; later delays grow exponentially with jitter' },
  { path: 'approvals.notify.max_delay_ms', kind: 'int', default: 30000, help: 'longest delay between two webhook attempts' },
  { path: 'approvals.page.issuer', kind: 'string', default: '', help: 'OIDC issuer approvers sign in at on the approver page ("" = the first of identity.issuers)' },
  { path: 'approvals.page.client_id', kind: 'string', default: '', help: 'OIDC client id of the approver page (authorization code + PKCE); "" = page login off' },
  { path: 'approvals.page.client_secret', kind: 'string', default: '', help: 'its client secret ("" = a public client; prefer the environment variable)' },
  { path: 'approvals.page.redirect_uri', kind: 'string', default: '', help: 'the page login callback as the browser reaches it: https://<callgate http>/approvals/callback (https makes the session cookie Secure)' },
  { path: 'approvals.page.scopes', kind: 'string-list', default: ['openid', 'profile', 'email'], help: 'scopes the page login requests; the ID token must carry the groups claim (identity.mapping.groups_claim)' },
  { path: 'approvals.page.session_key', kind: 'string', default: '', help: 'key (32+ characters) sealing the approver session cookie; "" = random per process (sessions end on restart)' },
  { path: 'approvals.page.session_ttl_seconds', kind: 'int', default: 3600, help: 'how long an approver stays signed in on the page' },
  { path: 'log.level', kind: 'string', default: 'info', help: 'log level: fatal, error, warn, info, debug, trace, silent' },
  { path: 'engine.workers', kind: 'int', default: 0, help: 'policy worker threads evaluating decisions (0 = in the main thread); a hot reload switches all workers at once' },
  { path: 'engine.batch_max', kind: 'int', default: 64, help: 'main thread (engine.workers 0): Cedar calls of Checks that arrive together are queued and evaluated back to back, at most this many per event-loop turn, before their audit records and answers (about a third less CPU per decision on the bench bundle, bench/README.md); 0 = evaluate each Check inline as it arrives' },
  { path: 'engine.cache_dir', kind: 'string', default: '', help: 'validation cache directory: a bundle whose exact files were validated before starts without validating again ("" = off; as trusted as the bundle directory)' },
  { path: 'engine.max_prepared_policies', kind: 'int', default: 10000, help: 'most policies held preparsed in cedar-wasm at once (~3 KB of memory each, never returned to the OS); beyond it the least recently called functions\' policies are preparsed again on their next call (~40 µs per policy); 0 = no limit' },
];

/** `listen.grpc` → `--listen-grpc`; `identity.jwt_authn.payload_key` → `--identity-jwt-authn-payload-key`. */
export function flagNameOf(path: string): string {
  return path.replace(/[._]/g, '-');
}

/** `listen.grpc` → `CALLGATE_LISTEN_GRPC`. */
export function envNameOf(path: string): string {
  return `CALLGATE_${path.replace(/\./g, '_').toUpperCase()}`;
}
