/**
 * Reads a policy's annotations: `@id`, the obligation annotations of design §2 and a small set of purely
 * descriptive ones. Anything else, an annotation on the wrong effect, or a malformed value is a problem
 * (never ignored). Pure: the loader attaches file and line.
 */
import type { Obligations } from '../policy/types';
import { isKnownDetector, KNOWN_DETECTORS } from './detectors';

export type PolicyEffect = 'permit' | 'forbid';

/** Annotations with no effect on decisions, accepted on any policy. */
export const DESCRIPTIVE_ANNOTATIONS = ['description', 'owner'] as const;

export const OBLIGATION_ANNOTATIONS = ['reason', 'mask', 'mask_fields', 'redact_args', 'approval'] as const;

export interface PolicyAnnotations {
  readonly id?: string;
  /** @reason (forbid). */
  readonly reason?: string;
  /** @mask, @mask_fields, @redact_args (permit); empty lists otherwise. */
  readonly obligations: Obligations;
  /** @approval (forbid): the Group uid in Cedar syntax, e.g. `Group::"oncall"`. */
  readonly approvalGroup?: string;
}

export interface AnnotationProblem {
  readonly annotation: string;
  readonly message: string;
  readonly help?: string;
}

type Annotated = { -readonly [K in keyof PolicyAnnotations]: PolicyAnnotations[K] };

const EFFECT_OF: Readonly<Record<(typeof OBLIGATION_ANNOTATIONS)[number], PolicyEffect>> = {
  reason: 'forbid',
  mask: 'permit',
  mask_fields: 'permit',
  redact_args: 'permit',
  approval: 'forbid',
};

const GROUP_UID = /^Group::"([^"\\]+)"$/;
const ARG_SEGMENT = /^[^\s.,]+$/;

export function readPolicyAnnotations(effect: PolicyEffect, annotations: Readonly<Record<string, string>>): { annotations: PolicyAnnotations; problems: AnnotationProblem[] } {
  const problems: AnnotationProblem[] = [];
  const out: Annotated = { obligations: { mask: [], maskFields: [], redactArgs: [] } };
  for (const [name, value] of Object.entries(annotations)) {
    const found = readOne(name, value, effect, out);
    problems.push(...found);
  }
  return { annotations: out, problems };
}

function readOne(name: string, value: string, effect: PolicyEffect, out: Annotated): AnnotationProblem[] {
  if (name === 'id') return readId(value, out);
  if ((DESCRIPTIVE_ANNOTATIONS as readonly string[]).includes(name)) return [];
  if (!isObligation(name)) {
    const allowed = ['id', ...OBLIGATION_ANNOTATIONS, ...DESCRIPTIVE_ANNOTATIONS].map((a) => `@${a}`).join(', ');
    return [{ annotation: name, message: `unknown annotation @${name}`, help: `allowed annotations: ${allowed}` }];
  }
  const wanted = EFFECT_OF[name];
  if (wanted !== effect) {
    return [{ annotation: name, message: `@${name} is only allowed on ${wanted} policies, not on ${effect}`, help: annotationHelp(name) }];
  }
  switch (name) {
    case 'reason':
      return readReason(value, out);
    case 'mask':
      return readMask(value, out);
    case 'mask_fields':
      return readMaskFields(value, out);
    case 'redact_args':
      return readRedactArgs(value, out);
    case 'approval':
      return readApproval(value, out);
  }
}

function isObligation(name: string): name is (typeof OBLIGATION_ANNOTATIONS)[number] {
  return (OBLIGATION_ANNOTATIONS as readonly string[]).includes(name);
}

function annotationHelp(name: (typeof OBLIGATION_ANNOTATIONS)[number]): string {
  return name === 'reason' || name === 'approval'
    ? `@${name} says why or how a deny happens, so it belongs on a forbid`
    : `@${name} is an obligation of an allow, so it belongs on a permit`;
}

function readId(value: string, out: Annotated): AnnotationProblem[] {
  if (value.trim() === '' || value !== value.trim()) {
    return [{ annotation: 'id', message: '@id must be a non-empty name without surrounding spaces' }];
  }
  out.id = value;
  return [];
}

function readReason(value: string, out: Annotated): AnnotationProblem[] {
  if (value.trim() === '') return [{ annotation: 'reason', message: '@reason must not be empty' }];
  out.reason = value;
  return [];
}

/** Splits a comma-separated annotation value; entries are trimmed and must not be empty. */
export function splitList(name: string, value: string): { items: string[]; problems: AnnotationProblem[] } {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    return { items: [], problems: [{ annotation: name, message: `@${name} has an empty entry in "${value}"`, help: 'write a comma-separated list, e.g. "a,b"' }] };
  }
  return { items, problems: [] };
}

function readMask(value: string, out: Annotated): AnnotationProblem[] {
  const { items, problems } = splitList('mask', value);
  for (const item of items) {
    if (!isKnownDetector(item)) {
      problems.push({ annotation: 'mask', message: `unknown detector "${item}" in @mask`, help: `known detectors: ${KNOWN_DETECTORS.join(', ')}` });
    }
  }
  if (problems.length === 0) out.obligations = { ...out.obligations, mask: [...new Set(items)].sort() };
  return problems;
}

function readMaskFields(value: string, out: Annotated): AnnotationProblem[] {
  const { items, problems } = splitList('mask_fields', value);
  for (const item of items) {
    const error = checkJsonPath(item);
    if (error !== undefined) {
      problems.push({ annotation: 'mask_fields', message: `invalid JSONPath "${item}" in @mask_fields: ${error}`, help: 'use RFC 9535 JSONPath starting at $, e.g. "$.card.number"' });
    }
  }
  if (problems.length === 0) out.obligations = { ...out.obligations, maskFields: [...new Set(items)].sort() };
  return problems;
}

let jsonPathParser: typeof import('jsonpath-rfc9535/parser').default | undefined;

/** RFC 9535 syntax check; undefined when the path parses. The parser is loaded on the first @mask_fields. */
export function checkJsonPath(path: string): string | undefined {
  jsonPathParser ??= (require('jsonpath-rfc9535/parser') as typeof import('jsonpath-rfc9535/parser')).default;
  try {
    jsonPathParser(path);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function readRedactArgs(value: string, out: Annotated): AnnotationProblem[] {
  const { items, problems } = splitList('redact_args', value);
  for (const item of items) {
    if (!item.split('.').every((segment) => ARG_SEGMENT.test(segment))) {
      problems.push({ annotation: 'redact_args', message: `invalid argument path "${item}" in @redact_args`, help: 'use dotted argument names, e.g. "password,card.cvc"' });
    }
  }
  if (problems.length === 0) out.obligations = { ...out.obligations, redactArgs: [...new Set(items)].sort() };
  return problems;
}

function readApproval(value: string, out: Annotated): AnnotationProblem[] {
  const match = GROUP_UID.exec(value);
  if (match === null) {
    return [{ annotation: 'approval', message: `@approval must name a Group entity, got "${value}"`, help: 'write @approval("Group::\\"oncall\\"")' }];
  }
  out.approvalGroup = value;
  return [];
}
