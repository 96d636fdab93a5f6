/**
 * Base replay vs head replay of every recorded decision → the changes a policy pull request makes:
 * deny→allow, allow→deny, the same decision by other policies, other obligations; plus the decisions that
 * cannot be replayed honestly (undecidable). Identical changes (same kind, function, principal, and both
 * sides' outcome) are grouped with every decision id they cover.
 */
import type { Obligations } from '../policy/types';
import type { RecordedDecision } from './recorded-decisions';
import type { Replay } from './replay-decision';

export const CHANGE_KINDS = ['deny-to-allow', 'allow-to-deny', 'policies', 'obligations'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Side {
  readonly decision: 'allow' | 'deny';
  readonly code?: string;
  readonly policies: readonly string[];
  readonly obligations: Obligations;
}

export type ImpactEntry =
  | { readonly kind: ChangeKind; readonly functions: readonly string[]; readonly principal: string; readonly decisionIds: string[]; readonly first: string; readonly base: Side; readonly head: Side }
  | { readonly kind: 'undecidable'; readonly functions: readonly string[]; readonly principal: string; readonly decisionIds: string[]; readonly first: string; readonly why: string };

export interface Comparison {
  readonly replayed: number;
  readonly unchanged: number;
  readonly skipped: number;
  /** Decisions whose base replay differs from what was recorded (the base is not the bundle that served them). */
  readonly drift: number;
  readonly entries: ImpactEntry[];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameObligations(a: Obligations, b: Obligations): boolean {
  return sameList(a.mask, b.mask) && sameList(a.maskFields, b.maskFields) && sameList(a.redactArgs, b.redactArgs);
}

function sideOf(r: Extract<Replay, { kind: 'decided' }>): Side {
  return { decision: r.decision, ...(r.code === undefined ? {} : { code: r.code }), policies: r.policies, obligations: r.obligations };
}

export function changeKindOf(base: Side, head: Side): ChangeKind | undefined {
  if (base.decision === 'deny' && head.decision === 'allow') return 'deny-to-allow';
  if (base.decision === 'allow' && head.decision === 'deny') return 'allow-to-deny';
  if (!sameList(base.policies, head.policies) || base.code !== head.code) return 'policies';
  if (!sameObligations(base.obligations, head.obligations)) return 'obligations';
  return undefined;
}

export function compareReplays(rows: readonly { rec: RecordedDecision; base: Replay; head: Replay }[]): Comparison {
  const groups = new Map<string, ImpactEntry>();
  let unchanged = 0;
  let skipped = 0;
  let drift = 0;
  let replayed = 0;
  for (const { rec, base, head } of rows) {
    if (base.kind === 'skipped' || head.kind === 'skipped') {
      skipped += 1;
      continue;
    }
    replayed += 1;
    const common = { functions: rec.functions, principal: rec.principal, first: `${rec.file}:${rec.line}` };
    let entry: ImpactEntry;
    if (base.kind === 'undecidable' || head.kind === 'undecidable') {
      const why = base.kind === 'undecidable' ? base.why : head.kind === 'undecidable' ? head.why : '';
      entry = { kind: 'undecidable', ...common, decisionIds: [], why };
    } else {
      if (base.decision !== rec.decision) drift += 1;
      const kind = changeKindOf(sideOf(base), sideOf(head));
      if (kind === undefined) {
        unchanged += 1;
        continue;
      }
      entry = { kind, ...common, decisionIds: [], base: sideOf(base), head: sideOf(head) };
    }
    const key = JSON.stringify({ ...entry, decisionIds: undefined, first: undefined });
    const group = groups.get(key) ?? entry;
    group.decisionIds.push(rec.decisionId);
    groups.set(key, group);
  }
  const order: readonly ImpactEntry['kind'][] = [...CHANGE_KINDS, 'undecidable'];
  const entries = [...groups.values()].sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind));
  return { replayed, unchanged, skipped, drift, entries };
}
