import fc from 'fast-check';
import { parseCall } from '../../../src/calls/parse-call';
import { mapArgsToCedar } from '../../../src/calls/args-to-cedar';
import { parseStrictJson } from '../../../src/calls/strict-json';
import type { JsonObject } from '../../../src/calls/types';
import { buildRequest, fixture, mcpRequest, OPTIONS } from './request-builder';

const LIMITS = { ...OPTIONS, limits: { maxBodyBytes: 1 << 16, maxDepth: 64, maxBatchSize: 50 } };

function isWellFormed(result: ReturnType<typeof parseCall>): boolean {
  return result.kind === 'calls' ? result.calls.length > 0 : result.kind === 'rejected' && typeof result.code === 'string';
}

describe('properties', () => {
  it('parseCall never throws on arbitrary bytes (HTTP and MCP routes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, mcp) => {
        const body = Buffer.from(bytes);
        const req = mcp ? mcpRequest(body) : buildRequest({ body });
        expect(isWellFormed(parseCall(req, LIMITS))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parseCall never throws on arbitrary JSON, nor on arbitrary headers and paths', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.constantFrom('/mcp', '/functions/x', '/functions/%zz', '/refund', '/nope'),
        fc.dictionary(fc.constantFrom('mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-param-a', 'content-type'), fc.string()),
        (json, path, headers) => {
          const req = buildRequest({ path, body: json, headers: { 'content-type': 'application/json', ...headers } });
          expect(isWellFormed(parseCall(req, LIMITS))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts exactly what JSON.parse accepts (when keys are unique and depth is within limits)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        let native = true;
        try {
          JSON.parse(text);
        } catch {
          native = false;
        }
        const ours = parseStrictJson(text, 1000);
        if (ours.kind === 'parsed') expect(native).toBe(true);
        if (!native) expect(ours.kind).toBe('invalid');
        if (ours.kind === 'parsed') expect(ours.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('always rejects a truncated call body', () => {
    const bodies = [fixture('http/refund.json'), fixture('mcp/tools-call.json'), fixture('mcp/batch.json')];
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2), fc.nat(), (which, cut) => {
        const full = bodies[which] as Buffer;
        const truncated = full.subarray(0, cut % full.length);
        const req = which === 0 ? buildRequest({ body: truncated }) : mcpRequest(truncated);
        expect(parseCall(req, LIMITS).kind).toBe('rejected');
      }),
      { numRuns: 500 },
    );
  });

  it('mapArgsToCedar never throws and is mapped or unmappable for any parsed JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const parsed = parseStrictJson(JSON.stringify(object), 1000);
        if (parsed.kind !== 'parsed') return;
        const result = mapArgsToCedar(parsed.value as JsonObject);
        expect(['mapped', 'unmappable']).toContain(result.kind);
      }),
      { numRuns: 500 },
    );
  });
});
