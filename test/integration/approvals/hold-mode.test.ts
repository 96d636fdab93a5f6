/**
 * Hold mode (approvals.hold_seconds) over real gRPC: a Check needing approval stays open while an approver
 * decides, and is answered with the decision; without a decision it ends with approval_required.
 */
import path from 'node:path';
import { startApp, type RunningApp } from '../../support/app-harness';
import { connectCheckClient, envoyCheckRequest, type CheckClient } from '../../support/check-client';

const policies = path.join(__dirname, '../../../policies');
const mcp = { protocol: 'mcp', server: 'tools' };
const etl = { iss: 'https://idp.example.com', sub: 'etl', azp: 'etl', groups: ['platform-admins'] };
const carol = { principal: { type: 'User', id: 'carol' }, groups: [{ type: 'Group', id: 'oncall' }] };

function runSql(query: string) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 'h', method: 'tools/call', params: { name: 'run_sql', arguments: { query } } });
  return envoyCheckRequest({ path: '/mcp', body, contextExtensions: mcp, jwtPayload: etl, headers: { 'mcp-protocol-version': '2025-06-18' } });
}

describe('approvals hold mode', () => {
  let running: RunningApp;
  let client: CheckClient;
  beforeAll(async () => {
    running = await startApp({ policies, 'approvals.hold_seconds': '2', 'approvals.hold_poll_ms': '50' });
    client = connectCheckClient(running.grpc);
  });
  afterAll(async () => {
    client.close();
    await running.close();
  });

  it('answers a held Check with the allow once an approver approves', async () => {
    const held = client.check(runSql('vacuum'));
    const service = running.app.approvals()!;
    let pending = await service.listPending();
    for (let i = 0; i < 40 && pending.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 25));
      pending = await service.listPending();
    }
    expect(pending).toHaveLength(1);
    expect(await service.decide(pending[0]!.id, carol, 'approve', 'go')).toMatchObject({ kind: 'decided' });
    const res = await held;
    expect(res.status?.code).toBe(0);
    expect((await service.get(pending[0]!.id))?.status).toBe('consumed');
  });

  it('ends the hold with approval_required when nobody decides in time', async () => {
    const started = Date.now();
    const res = await client.check(runSql('analyze'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(res.status?.code).not.toBe(0);
    expect(JSON.parse(res.denied_response?.body ?? '{}')).toMatchObject({ result: { isError: true, structuredContent: { error: 'approval_required' } } });
  });
});
