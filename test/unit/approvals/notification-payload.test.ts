import fs from 'node:fs';
import path from 'node:path';
import { buildNotificationBody, escapeSlack, formatEntity } from '../../../src/approvals/notification-payload';
import { signBody } from '../../../src/approvals/notify-webhook';
import type { Approval } from '../../../src/approvals/types';

const approval = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/approvals/pending-approval.json'), 'utf8')) as Approval;
const url = 'https://callgate.example.com/approvals/apr_01HZX3K9';

describe('approval notification payloads', () => {
  it('json: the approval id, function, server, principal, masked input, approve_url and expiry', () => {
    const body = JSON.parse(buildNotificationBody('json', approval, url)) as Record<string, unknown>;
    expect(body).toEqual({
      kind: 'approval_requested',
      approval_id: 'apr_01HZX3K9',
      function: 'orders.delete',
      server: 'orders',
      principal: 'Service::"billing-job"',
      approver_group: 'Group::"oncall"',
      policy_id: 'non-interactive-needs-approval',
      input: approval.maskedInput,
      approve_url: url,
      created_at: '2026-11-25T09:00:00.000Z',
      expires_at: '2026-11-25T09:15:00.000Z',
    });
  });

  it('json: names the user an agent acts for', () => {
    const agent: Approval = { ...approval, principal: { type: 'Agent', id: 'triage-bot' }, onBehalfOf: { type: 'User', id: 'bob' } };
    expect(JSON.parse(buildNotificationBody('json', agent, url))).toMatchObject({ principal: 'Agent::"triage-bot"', on_behalf_of: 'User::"bob"' });
  });

  it('slack: text fallback, a button to the approve_url, and attacker-controlled text that cannot inject links or mentions', () => {
    const hostile: Approval = { ...approval, function: 'orders.delete<!channel>', maskedInput: { note: '<https://evil.example|click> ```x```' } };
    const body = JSON.parse(buildNotificationBody('slack', hostile, url)) as { text: string; blocks: { type: string; elements?: { url?: string }[] }[] };
    expect(body.text).toBe('Approval needed: Service::"billing-job" wants to call orders.delete&lt;!channel&gt; on orders');
    const serialized = JSON.stringify(body);
    expect(serialized).not.toContain('<!channel>');
    expect(serialized).not.toContain('<https://evil.example');
    expect(serialized).toContain('&lt;https://evil.example|click&gt;');
    const actions = body.blocks.find((b) => b.type === 'actions');
    expect(actions?.elements?.[0]?.url).toBe(url);
    // the input's own fence cannot close the code block early: only the outer two fences remain
    const inputBlock = body.blocks.map((b) => JSON.stringify(b)).find((b) => b.includes('Input (masked)')) ?? '';
    expect(inputBlock.match(/```/g)).toHaveLength(2);
  });

  it('slack: a huge input is cut to keep the message within Slack limits', () => {
    const big: Approval = { ...approval, maskedInput: { blob: 'x'.repeat(10_000) } };
    const body = JSON.parse(buildNotificationBody('slack', big, url)) as { blocks: { text?: { text: string } }[] };
    const input = body.blocks.find((b) => b.text?.text.includes('Input (masked)'))?.text?.text ?? '';
    expect(input.length).toBeLessThan(3000);
    expect(input).toContain('…');
  });

  it('escapes Slack control characters only', () => {
    expect(escapeSlack('a & <b> *c*')).toBe('a &amp; &lt;b&gt; *c*');
    expect(formatEntity({ type: 'User', id: 'a"b' })).toBe('User::"a\\"b"');
  });

  it('signs t.body with HMAC-SHA256', () => {
    // Expected value computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    expect(signBody('s3cret', '{"a":1}', 1700000000)).toBe('t=1700000000,v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940');
  });
});
