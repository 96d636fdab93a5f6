import type { ExtProcSettings } from './ext-proc';

/** The public shape of the Envoy emulator (HTTP connection manager + ext_authz over gRPC + router). */

export interface EmulatorRoute {
  prefix: string;
  contextExtensions?: Record<string, string>;
  disabled?: boolean;
}

/** What a `metadataContext` callback sees of a request (after Envoy's own header handling). */
export interface IncomingRequestInfo {
  readonly method: string;
  /** Raw `:path`, with the query. */
  readonly path: string;
  /** Lower-case keys, pseudo-headers included, duplicates joined with ",". */
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface BodySettings {
  maxRequestBytes: number;
  allowPartialMessage: boolean;
  packAsBytes: boolean;
}

export interface EmulatorOptions {
  /** "127.0.0.1:port" of the Check service. */
  authzAddress: string;
  /** "http://127.0.0.1:port". */
  upstream: string;
  /** First prefix match wins; no match → 404 local reply (no check). */
  routes: EmulatorRoute[];
  /** Default 200 (Envoy's default grpc_service timeout). */
  timeoutMs?: number;
  /** Default false. */
  failureModeAllow?: boolean;
  /** Default 403. */
  statusOnError?: number;
  withRequestBody?: BodySettings | null;
  /** envoy-semantics b.4; default 'v1.36'. */
  headerAppendSemantics?: 'v1.36' | 'main';
  /** filter_metadata namespaces for CheckRequest.metadata_context, e.g. simulated jwt_authn output. */
  metadataContext?: (req: IncomingRequestInfo) => Record<string, unknown> | undefined;
  /**
   * Extension beyond the agreed API: Envoy's `encode_raw_headers`. When true the CheckRequest carries
   * `header_map` (one {key, raw_value} per header line, not merged) instead of `headers`. Default false.
   */
  encodeRawHeaders?: boolean;
  /** The ext_proc filter after ext_authz (envoy-semantics b.6), on every route ext_authz checks. */
  extProc?: ExtProcSettings;
}

export interface EnvoyEmulator {
  /** "http://127.0.0.1:port". */
  url: string;
  /** The CheckRequest last sent, as handed to the gRPC client. */
  lastCheckRequest(): unknown;
  /** Namespace envoy.filters.http.ext_authz of the last request's dynamic metadata. */
  lastDynamicMetadata(): Record<string, unknown> | undefined;
  close(): Promise<void>;
}
