/**
 * Example MCP client for the local-mesh walkthrough, on the official `@modelcontextprotocol/sdk`. It gets
 * a token for a dev user from the development issuer, connects to the MCP tool server through Envoy (so
 * every message is decided by callgate), lists the tools and calls them, printing one line per step:
 *
 *   node dist/examples/mcp-client/main.js --url http://localhost:10000/mcp --issuer http://localhost:9400 \
 *     --user bob --call search_issues '{"query":"deploy","repo":"demo"}' --call read_file '{"path":".env"}'
 *
 * A call callgate denies is printed as `denied: <JSON-RPC error>`; the client goes on. A call that needs an
 * approval is not an error: it is a tool result (isError) that carries the approval link.
 */
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

interface ToolCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

interface ClientOptions {
  readonly url: URL;
  readonly issuer: string;
  readonly user: string;
  readonly calls: readonly ToolCall[];
}

function readOptions(argv: readonly string[]): ClientOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', default: 'http://localhost:10000/mcp' },
      issuer: { type: 'string', default: 'http://localhost:9400' },
      user: { type: 'string', default: 'bob' },
      call: { type: 'string', multiple: true, default: [] },
    },
    allowPositionals: true,
  });
  // `--call NAME ARGS_JSON`: the JSON arguments follow each name as a positional, in order.
  const calls = (values.call ?? []).map((name, i) => ({ name, args: JSON.parse(positionals[i] ?? '{}') as Record<string, unknown> }));
  return { url: new URL(values.url ?? ''), issuer: values.issuer ?? '', user: values.user ?? '', calls };
}

async function fetchUserToken(issuer: string, user: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('walkthrough:walkthrough-secret').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'urn:callgate:dev:user', username: user }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (body.access_token === undefined) throw new Error(`no token for ${user}: ${body.error_description ?? res.status}`);
  return body.access_token;
}

function describeResult(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => (c.type === 'text' ? (c.text ?? '') : `[${c.type}]`)).join(' ').replace(/\n/g, ' | ');
}

/** A denied tool call comes back as a JSON-RPC error (the SDK throws it); print callgate's reason. */
function describeDenial(err: unknown): string {
  return `denied: ${err instanceof Error ? err.message : String(err)}`;
}

async function run(options: ClientOptions): Promise<void> {
  const token = await fetchUserToken(options.issuer, options.user);
  const transport = new StreamableHTTPClientTransport(options.url, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const client = new Client({ name: 'callgate-walkthrough', version: '0.1.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    process.stdout.write(`tools: ${tools.map((t) => t.name).sort().join(', ')}\n`);
    for (const call of options.calls) {
      const outcome = await client.callTool({ name: call.name, arguments: call.args }).then(describeResult, describeDenial);
      process.stdout.write(`${call.name} ${JSON.stringify(call.args)} → ${outcome}\n`);
    }
  } finally {
    await client.close();
  }
}

run(readOptions(process.argv.slice(2))).catch((err: unknown) => {
  process.stderr.write(`mcp-client: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
