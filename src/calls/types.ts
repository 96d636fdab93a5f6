/** What callgate knows of an HTTP request, however it arrived (Envoy CheckRequest, tests, CLI). */
import type { ErrorCode } from '../errors';

export type Protocol = 'http' | 'mcp';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface HttpRequestView {
  /** Upper-case HTTP method from `:method`. */
  readonly method: string;
  /** `:path` as Envoy sends it: with the query, not percent-decoded. */
  readonly path: string;
  /** `:authority`. */
  readonly host: string;
  /** Lower-case header names; duplicate headers joined with "," exactly as Envoy does. Includes pseudo-headers. */
  readonly headers: ReadonlyMap<string, string>;
  /** The exact body bytes (`raw_body`), or undefined when the request carried no body. */
  readonly body: Buffer | undefined;
  /** Envoy's per-route `context_extensions` (server, protocol, function, ...). */
  readonly contextExtensions: Readonly<Record<string, string>>;
}

/** One function call extracted from a request. A JSON-RPC batch yields several. */
export interface Call {
  readonly protocol: Protocol;
  /** The Cedar action id: a function name, an MCP tool name, or `mcp:<method>`. */
  readonly function: string;
  /** The Server entity id hosting the function. */
  readonly server: string;
  /** The call's arguments (JSON object). Empty object when the method takes none. */
  readonly args: JsonObject;
  /** For MCP: the JSON-RPC request id (absent for notifications). */
  readonly jsonRpcId?: string | number | null;
  /** For MCP: the negotiated protocol version (header `mcp-protocol-version`, or the default assumed). */
  readonly mcpProtocolVersion?: string;
  /** For MCP: the JSON-RPC method. */
  readonly mcpMethod?: string;
}

export type ParseResult =
  | { readonly kind: 'calls'; readonly protocol: Protocol; readonly server: string; readonly calls: readonly Call[]; readonly batch: boolean }
  | {
      readonly kind: 'rejected';
      readonly code: ErrorCode;
      /** Specific, caller-safe explanation (no internals). */
      readonly message: string;
      /** When known (MCP), so the denial can be a JSON-RPC error envelope carrying the id. */
      readonly protocol?: Protocol;
      readonly jsonRpcId?: string | number | null;
      /** JSON-RPC error code to use for MCP (e.g. -32020 for header mismatch, -32700 parse error). */
      readonly jsonRpcCode?: number;
    };

/** One configured route (design §4 `routes`), used when Envoy sends no `context_extensions` route. */
export interface RouteConfig {
  readonly match: {
    /** Exact path template, e.g. "/functions/{function}" (`{function}` matches one path segment). */
    readonly path?: string;
    /** Path prefix, e.g. "/mcp". */
    readonly path_prefix?: string;
    /** Upper-case HTTP method; any method when unset. */
    readonly method?: string;
  };
  readonly protocol: Protocol;
  readonly server: string;
  /** Fixed function for the route (HTTP only). */
  readonly function?: string;
  /** Accepted media types; default ["application/json"]. */
  readonly content_types?: readonly string[];
}

export interface ParseLimits {
  readonly maxBodyBytes: number;
  /** Maximum nesting of JSON objects/arrays; the top-level container is depth 1. */
  readonly maxDepth: number;
  /** Maximum number of messages in an MCP 2025-03-26 JSON-RPC batch. */
  readonly maxBatchSize: number;
}

export interface ParseOptions {
  readonly routes: readonly RouteConfig[];
  readonly limits: ParseLimits;
}
