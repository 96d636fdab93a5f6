/**
 * The shape of a policy test file (`<bundle>/tests/*.yaml`, docs/policy-tests.md): optional `defaults`
 * merged into every case, and `cases`. Validated with zod; the reader maps each issue back to file:line.
 * Only shape lives here: what a case means is decided by the real pipeline (decide-case.ts).
 */
import { z } from 'zod';
import { ERROR_TABLE } from '../errors';

/** `Type::"id"` in Cedar syntax (ids may hold escaped quotes). */
export const ENTITY_UID = /^([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)::"((?:[^"\\]|\\.)*)"$/;

const entityUid = z.string().regex(ENTITY_UID, 'must be an entity uid like User::"alice"');
const groupRef = z.string().min(1, 'must be a group id or Group::"id"');
const callerKind = z.enum(['human', 'service', 'agent', 'anonymous']);

/** A caller given as an entity: existing in entities.json, or declared inline by giving `groups`. */
const entityCaller = z.strictObject({
  principal: entityUid,
  groups: z.array(groupRef).optional(),
  kind: callerKind.optional(),
  on_behalf_of: entityUid.optional(),
  on_behalf_of_groups: z.array(groupRef).optional(),
  scopes: z.array(z.string()).optional(),
  issuer: z.string().optional(),
});

/** A caller given as verified token claims, mapped exactly as serve maps a jwt_authn payload. */
const claimsCaller = z.strictObject({
  claims: z.record(z.string(), z.unknown()),
  kind: callerKind.optional(),
});

export const callerSchema = z.union([entityCaller, claimsCaller], { error: 'caller needs either principal (an entity uid) or claims (token claims)' });

const approvalSchema = z.strictObject({
  granted: z.boolean(),
  approver: z.string().optional(),
  id: z.string().optional(),
});

const obligationsSchema = z.strictObject({
  mask: z.array(z.string()).optional(),
  mask_fields: z.array(z.string()).optional(),
  redact_args: z.array(z.string()).optional(),
});

const errorCode = z.string().refine((c) => Object.prototype.hasOwnProperty.call(ERROR_TABLE, c), 'is not a callgate reason code (see README "Reason codes")');

const expectSchema = z
  .strictObject({
    decision: z.enum(['allow', 'deny']),
    policies: z.array(z.string(), { error: 'policies is required: the exact set of deciding policy ids ([] = no policy decided)' }),
    obligations: obligationsSchema.optional(),
    reason: z.string().optional(),
    approval_group: entityUid.optional(),
    code: errorCode.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.decision === 'allow') {
      for (const key of ['reason', 'approval_group', 'code'] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to a deny only` });
      }
    } else if (e.obligations !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['obligations'], message: 'obligations apply to an allow only' });
    }
  });

const requestFields = {
  time: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-05T12:00:00Z' }).optional(),
  source_ip: z.string().optional(),
  host: z.string().optional(),
  request_id: z.string().optional(),
};

const inputSchema = z.record(z.string(), z.unknown(), { error: 'input must be a mapping of argument names to values' });

export const caseSchema = z.strictObject({
  name: z.string().min(1),
  caller: callerSchema.optional(),
  function: z.string().min(1),
  server: z.string().min(1).optional(),
  protocol: z.enum(['http', 'mcp']).optional(),
  input: inputSchema.optional(),
  approval: approvalSchema.optional(),
  ...requestFields,
  expect: expectSchema,
});

export const defaultsSchema = z.strictObject({
  caller: callerSchema.optional(),
  server: z.string().min(1).optional(),
  protocol: z.enum(['http', 'mcp']).optional(),
  approval: approvalSchema.optional(),
  ...requestFields,
});

export const testFileSchema = z.strictObject({
  defaults: defaultsSchema.optional(),
  cases: z.array(caseSchema).min(1, 'a test file needs at least one case'),
});

/** A single request for `callgate explain --case`: a case whose `expect` is optional. */
export const explainCaseSchema = caseSchema.extend({ name: z.string().min(1).optional(), expect: expectSchema.optional() });

export type CallerSpec = z.infer<typeof callerSchema>;
export type TestCaseSpec = z.infer<typeof caseSchema>;
export type ExpectSpec = z.infer<typeof expectSchema>;
export type TestFileSpec = z.infer<typeof testFileSchema>;
export type ExplainCaseSpec = z.infer<typeof explainCaseSchema>;
