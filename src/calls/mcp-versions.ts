/** The MCP Streamable HTTP protocol versions callgate understands, and what each allows. */
export const MCP_VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'] as const;
export type McpVersion = (typeof MCP_VERSIONS)[number];

/** Assumed when a request has no `mcp-protocol-version` header (as the MCP spec says). */
export const MCP_DEFAULT_VERSION: McpVersion = '2025-03-26';

export function toMcpVersion(value: string): McpVersion | undefined {
  return MCP_VERSIONS.find((v) => v === value);
}

/** JSON-RPC batches (a JSON array body) exist only in 2025-03-26. */
export function allowsBatches(version: McpVersion): boolean {
  return version === '2025-03-26';
}

/** 2026-07-28 requires Mcp-Method / Mcp-Name request-metadata headers. */
export function requiresMetadataHeaders(version: McpVersion): boolean {
  return version === '2026-07-28';
}

/** 2026-07-28 removed sessions (DELETE), the GET stream and client-sent JSON-RPC responses. */
export function isStateless(version: McpVersion): boolean {
  return version === '2026-07-28';
}
