/**
 * What a webhook receives when an approval is requested: a plain JSON event, or a Slack-compatible message
 * (incoming-webhook `text` + Block Kit `blocks`). Pure: the approval (input already masked) in, a body out.
 */
import type { Approval, EntityRef } from './types';

export type NotifyFormat = 'json' | 'slack';

/** The plain JSON event (format `json`). */
export interface ApprovalRequestedEvent {
  readonly kind: 'approval_requested';
  readonly approval_id: string;
  readonly function: string;
  readonly server: string;
  readonly principal: string;
  readonly on_behalf_of?: string;
  readonly approver_group: string;
  readonly policy_id: string;
  /** Masked by the same detectors as responses; never the raw input. */
  readonly input: unknown;
  readonly approve_url: string;
  readonly created_at: string;
  readonly expires_at: string;
}

/** Longest input rendition put in a Slack message (Slack cuts section text at 3000 characters). */
const SLACK_INPUT_CHARS = 2000;

/** `User::"alice"`, the Cedar form approvers read in policies. */
export function formatEntity(ref: EntityRef): string {
  return `${ref.type}::${JSON.stringify(ref.id)}`;
}

export function buildRequestedEvent(approval: Approval, approveUrl: string): ApprovalRequestedEvent {
  return {
    kind: 'approval_requested',
    approval_id: approval.id,
    function: approval.function,
    server: approval.server,
    principal: formatEntity(approval.principal),
    ...(approval.onBehalfOf === undefined ? {} : { on_behalf_of: formatEntity(approval.onBehalfOf) }),
    approver_group: formatEntity(approval.approverGroup),
    policy_id: approval.policyId,
    input: approval.maskedInput,
    approve_url: approveUrl,
    created_at: approval.createdAt,
    expires_at: approval.expiresAt,
  };
}

/** Slack mrkdwn control characters (&, <, >) escaped as Slack documents; everything else is literal. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function inputBlockText(input: unknown): string {
  let text = JSON.stringify(input, null, 2) ?? 'null';
  if (text.length > SLACK_INPUT_CHARS) text = `${text.slice(0, SLACK_INPUT_CHARS)}\n…`;
  // A code block cannot contain its own fence.
  return '```' + escapeSlack(text).replace(/```/g, '`\u200b``') + '```';
}

export function buildSlackMessage(event: ApprovalRequestedEvent): object {
  const who = event.on_behalf_of === undefined ? event.principal : `${event.principal} (for ${event.on_behalf_of})`;
  const summary = `Approval needed: ${who} wants to call ${event.function} on ${event.server}`;
  return {
    text: escapeSlack(summary),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(summary)}*` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Function*\n${escapeSlack(event.function)}` },
          { type: 'mrkdwn', text: `*Server*\n${escapeSlack(event.server)}` },
          { type: 'mrkdwn', text: `*Caller*\n${escapeSlack(who)}` },
          { type: 'mrkdwn', text: `*Approvers*\n${escapeSlack(event.approver_group)}` },
          { type: 'mrkdwn', text: `*Policy*\n${escapeSlack(event.policy_id)}` },
          { type: 'mrkdwn', text: `*Expires*\n${escapeSlack(event.expires_at)}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Input (masked)*\n${inputBlockText(event.input)}` } },
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Review' }, url: event.approve_url, style: 'primary' }],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `approval ${escapeSlack(event.approval_id)}` }] },
    ],
  };
}

/** The body posted for `format`. */
export function buildNotificationBody(format: NotifyFormat, approval: Approval, approveUrl: string): string {
  const event = buildRequestedEvent(approval, approveUrl);
  return JSON.stringify(format === 'slack' ? buildSlackMessage(event) : event);
}
