/** The process configuration's shape, validated with zod. Unknown keys are errors, never ignored. */
import { z } from 'zod';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/, 'expected host:port (e.g. 127.0.0.1:9001 or [::1]:9001)');

const positiveInt = z.number().int().positive();

const routeSchema = z
  .object({
    match: z
      .object({
        path: z.string().startsWith('/').optional(),
        path_prefix: z.string().startsWith('/').optional(),
        method: z.string().regex(/^[A-Z]+$/, 'expected an upper-case HTTP method').optional(),
      })
      .strict()
      .refine((m) => (m.path === undefined) !== (m.path_prefix === undefined), 'set exactly one of path and path_prefix'),
    protocol: z.enum(['http', 'mcp']),
    server: z.string().min(1),
    function: z.string().min(1).optional(),
    content_types: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const customDetectorSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'expected a lower-case detector name'),
    pattern: z.string().min(1).refine((p) => {
      try {
        new RegExp(p, 'u');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression'),
    max_length: positiveInt.max(65536).optional(),
  })
  .strict();

/** One OIDC issuer (identity.issuers[]): asymmetric algorithms only, never `none` or HMAC. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
/** How claims map to the caller (globally, and overridable per issuer). */
const claimMappingSchema = z.object({
  groups_claim: z.string().min(1),
  scopes_claim: z.string().min(1),
  agent_clients: z.array(z.string().min(1)),
  service_clients: z.array(z.string().min(1)),
});

const issuerSchema = z
  .object({
    issuer: z.string().url(),
    audiences: z.array(z.string().min(1)).min(1),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    clock_skew_seconds: z.number().int().min(0).max(300).default(30),
    jwks_uri: z.string().url().optional(),
    introspection: z.object({ client_id: z.string().min(1), client_secret: z.string().min(1) }).strict().optional(),
    mapping: claimMappingSchema.partial().strict().optional(),
  })
  .strict();

/** Approval webhooks (approvals.notify). */
const approvalNotifySchema = z
  .object({
    url: z.union([z.literal(''), z.string().url().refine((u) => /^https?:/.test(u), 'expected an http(s) URL')]),
    format: z.enum(['json', 'slack']),
    secret: z.string(),
    timeout_ms: positiveInt.max(120_000),
    max_attempts: positiveInt.max(20),
    initial_delay_ms: z.number().int().min(0).max(600_000),
    max_delay_ms: z.number().int().min(0).max(3_600_000),
  })
  .strict();

/** The approver page's OIDC login and session (approvals.page). */
const approvalPageSchema = z
  .object({
    issuer: z.union([z.literal(''), z.string().url()]),
    client_id: z.string(),
    client_secret: z.string(),
    redirect_uri: z.union([z.literal(''), z.string().url().refine((u) => /^https?:\/\/[^/]+\/approvals\/callback$/.test(u), 'expected <base URL>/approvals/callback')]),
    scopes: z.array(z.string().min(1)).refine((l) => l.includes('openid'), 'scopes must include openid'),
    session_key: z.union([z.literal(''), z.string().min(32, 'the session key needs at least 32 characters')]),
    session_ttl_seconds: positiveInt.max(7 * 24 * 3600),
  })
  .strict()
  .refine((p) => p.client_id === '' || p.redirect_uri !== '', { message: 'approvals.page.client_id needs approvals.page.redirect_uri', path: ['redirect_uri'] });

export const configSchema = z
  .object({
    listen: z.object({ grpc: hostPort, http: hostPort }).strict(),
    policies: z.string().min(1),
    watch_policies: z.boolean(),
    reload_debounce_ms: z.number().int().min(0),
    routes: z.array(routeSchema),
    identity: z
      .object({
        jwt_authn: z.object({ metadata_namespace: z.string().min(1), payload_key: z.string().min(1) }).strict(),
        mtls: z.object({ enabled: z.boolean(), trust_domains: z.array(z.string().min(1)) }).strict(),
        mapping: claimMappingSchema.strict(),
        issuers: z.array(issuerSchema).refine((l) => new Set(l.map((i) => i.issuer)).size === l.length, 'issuers must be distinct'),
        token: z
          .object({ max_bytes: positiveInt.max(1024 * 1024), cache_size: positiveInt, introspection_cache_seconds: z.number().int().min(0).max(3600), jwks_cooldown_seconds: z.number().int().min(0).max(3600) })
          .strict(),
        resource: z.union([z.literal(''), z.string().url()]),
        resource_metadata_url: z.union([z.literal(''), z.string().url()]),
      })
      .strict(),
    limits: z
      .object({
        max_body_bytes: positiveInt.max(64 * 1024 * 1024),
        max_json_depth: positiveInt.max(1000),
        max_batch_size: positiveInt.max(1000),
        max_in_flight: positiveInt.max(1_000_000),
      })
      .strict(),
    masking: z
      .object({
        style: z.enum(['full', 'partial', 'token']),
        token_key: z.string(),
        max_body_bytes: positiveInt.max(256 * 1024 * 1024),
        max_event_bytes: positiveInt.max(64 * 1024 * 1024),
        custom_detectors: z.array(customDetectorSchema),
      })
      .strict()
      .refine((m) => m.style !== 'token' || m.token_key.length >= 16, { message: 'the token style needs masking.token_key of at least 16 characters', path: ['token_key'] }),
    shutdown: z.object({ drain_timeout_ms: z.number().int().min(0) }).strict(),
    audit: z
      .object({
        sink: z.enum(['none', 'stdout', 'file']),
        file: z.string().min(1),
        rotate: z.object({ max_bytes: z.number().int().min(0), daily: z.boolean(), keep: z.number().int().min(0) }).strict(),
        on_failure: z.enum(['deny', 'continue']),
        args: z.enum(['masked', 'digest']),
        mask_style: z.enum(['full', 'partial', 'token']),
        signing_key: z.string(),
        checkpoint: z.object({ every_records: z.number().int().min(0), every_seconds: z.number().int().min(0).max(86400) }).strict(),
      })
      .strict(),
    approvals: z
      .object({
        store: z.string().refine((v) => /^sqlite:.+$/.test(v) || /^rediss?:\/\/\S+$/.test(v), 'expected sqlite:<file> or redis://host:port[/db]'),
        ttl_seconds: positiveInt.max(7 * 24 * 3600),
        public_url: z.union([z.literal(''), z.string().url()]),
        hold_seconds: z.number().int().min(0).max(300),
        hold_poll_ms: positiveInt.max(10_000),
        sweep_seconds: positiveInt.max(3600),
        notify: approvalNotifySchema,
        page: approvalPageSchema,
      })
      .strict(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }).strict(),
    engine: z.object({ cache_dir: z.string(), workers: z.number().int().min(0).max(64), batch_max: z.number().int().min(0).max(4096), max_prepared_policies: z.number().int().min(0) }).strict(),
  })
  .strict()
  .refine((c) => c.audit.mask_style !== 'token' || c.masking.token_key.length >= 16, {
    message: 'audit.mask_style token needs masking.token_key of at least 16 characters',
    path: ['audit', 'mask_style'],
  });

export type Config = z.infer<typeof configSchema>;
export type RouteEntry = z.infer<typeof routeSchema>;
