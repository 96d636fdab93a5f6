/** An impact report as text for people (human), for pull-request comments (markdown) or for tools (json). */
import type { ChangeKind, Comparison, ImpactEntry, Side } from './compare-replays';

export interface ImpactReport {
  readonly base: { readonly dir: string; readonly revision: string };
  readonly head: { readonly dir: string; readonly revision: string };
  readonly comparison: Comparison;
  /** `file:line` of lines that were not audit records. */
  readonly unreadable: readonly string[];
  /** policy id → `dir/file:line`, per side. */
  readonly whereBase: ReadonlyMap<string, string>;
  readonly whereHead: ReadonlyMap<string, string>;
}

const LABEL: Readonly<Record<ChangeKind | 'undecidable', string>> = {
  'deny-to-allow': 'deny → allow',
  'allow-to-deny': 'allow → deny',
  policies: 'deciding policies changed',
  obligations: 'obligations changed',
  undecidable: 'undecidable',
};

function policiesText(ids: readonly string[], where: ReadonlyMap<string, string>): string {
  if (ids.length === 0) return 'no policy';
  return ids.map((id) => `${id} (${where.get(id) ?? '?'})`).join(', ');
}

function obligationsText(side: Side): string {
  const o = side.obligations;
  const parts = [
    o.mask.length > 0 ? `mask ${o.mask.join(',')}` : '',
    o.maskFields.length > 0 ? `mask_fields ${o.maskFields.join(',')}` : '',
    o.redactArgs.length > 0 ? `redact_args ${o.redactArgs.join(',')}` : '',
  ].filter((p) => p !== '');
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}

function sideText(side: Side, where: ReadonlyMap<string, string>): string {
  const code = side.code === undefined ? '' : ` ${side.code}`;
  return `${side.decision}${code} by ${policiesText(side.policies, where)}${obligationsText(side)}`;
}

function idsText(ids: readonly string[], max = 5): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

function countsOf(c: Comparison): Record<ChangeKind | 'undecidable', number> {
  const counts = { 'deny-to-allow': 0, 'allow-to-deny': 0, policies: 0, obligations: 0, undecidable: 0 };
  for (const e of c.entries) counts[e.kind] += e.decisionIds.length;
  return counts;
}

function summaryLine(r: ImpactReport): string {
  const c = r.comparison;
  const counts = countsOf(c);
  const changed = counts['deny-to-allow'] + counts['allow-to-deny'] + counts.policies + counts.obligations;
  return (
    `${c.replayed} recorded decisions replayed: ${changed} changed (${counts['deny-to-allow']} deny → allow, ${counts['allow-to-deny']} allow → deny, ` +
    `${counts.policies} deciding policies, ${counts.obligations} obligations), ${c.unchanged} unchanged, ${counts.undecidable} undecidable; ${c.skipped} skipped (decided before policy)`
  );
}

function notes(r: ImpactReport): string[] {
  const out: string[] = [];
  if (r.comparison.drift > 0) out.push(`${r.comparison.drift} decision(s) replay differently on the base than recorded: the base is not the bundle that decided them`);
  if (r.unreadable.length > 0) out.push(`${r.unreadable.length} line(s) are not audit records: ${idsText(r.unreadable)}`);
  return out;
}

export function renderHuman(r: ImpactReport): string {
  const lines = [`callgate impact: base ${r.base.dir} (${r.base.revision}) → head ${r.head.dir} (${r.head.revision})`, summaryLine(r)];
  for (const e of r.comparison.entries) {
    lines.push('', `${LABEL[e.kind]}: ${e.functions.join(', ')} by ${e.principal} — ${e.decisionIds.length} decision(s): ${idsText(e.decisionIds)} (first at ${e.first})`);
    if (e.kind === 'undecidable') lines.push(`  ${e.why}`);
    else lines.push(`  base: ${sideText(e.base, r.whereBase)}`, `  head: ${sideText(e.head, r.whereHead)}`);
  }
  const n = notes(r);
  if (n.length > 0) lines.push('', ...n.map((x) => `note: ${x}`));
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(r: ImpactReport): string {
  const changes = r.comparison.entries.filter((e): e is Exclude<ImpactEntry, { kind: 'undecidable' }> => e.kind !== 'undecidable');
  const undecidable = r.comparison.entries.filter((e): e is Extract<ImpactEntry, { kind: 'undecidable' }> => e.kind === 'undecidable');
  const out = ['### callgate impact', '', `Base \`${r.base.dir}\` (\`${r.base.revision}\`) → head \`${r.head.dir}\` (\`${r.head.revision}\`)`, '', summaryLine(r), ''];
  if (changes.length > 0) {
    out.push('| change | function | principal | base | head | decisions |', '| --- | --- | --- | --- | --- | --- |');
    for (const e of changes) {
      out.push(`| **${LABEL[e.kind]}** | \`${cell(e.functions.join(', '))}\` | \`${cell(e.principal)}\` | ${cell(sideText(e.base, r.whereBase))} | ${cell(sideText(e.head, r.whereHead))} | ${e.decisionIds.length}: ${cell(idsText(e.decisionIds, 3))} |`);
    }
    out.push('');
  } else out.push('No recorded decision changes.', '');
  if (undecidable.length > 0) {
    out.push(`<details><summary>Undecidable from the records (${undecidable.reduce((n, e) => n + e.decisionIds.length, 0)})</summary>`, '');
    for (const e of undecidable) out.push(`- \`${cell(e.functions.join(', '))}\` by \`${cell(e.principal)}\` (${e.decisionIds.length}: ${cell(idsText(e.decisionIds, 3))}): ${cell(e.why)}`);
    out.push('', '</details>', '');
  }
  for (const n of notes(r)) out.push(`> ${n}`);
  return out.join('\n').trimEnd();
}

export function renderJson(r: ImpactReport): string {
  const where = (ids: readonly string[], map: ReadonlyMap<string, string>) => ids.map((id) => ({ id, where: map.get(id) ?? null }));
  return JSON.stringify({
    base: r.base,
    head: r.head,
    replayed: r.comparison.replayed,
    unchanged: r.comparison.unchanged,
    skipped: r.comparison.skipped,
    drift: r.comparison.drift,
    counts: countsOf(r.comparison),
    entries: r.comparison.entries.map((e) =>
      e.kind === 'undecidable'
        ? e
        : { ...e, base: { ...e.base, policies: where(e.base.policies, r.whereBase) }, head: { ...e.head, policies: where(e.head.policies, r.whereHead) } },
    ),
    unreadable: r.unreadable,
  });
}

/** One line per change that fails the run, naming the policies (file:line) on both sides, for CI logs. */
export function renderFailures(r: ImpactReport, failing: readonly ImpactEntry[]): string[] {
  return failing.map((e) => {
    const head = `${LABEL[e.kind]}: ${e.functions.join(', ')} by ${e.principal} (${idsText(e.decisionIds)})`;
    return e.kind === 'undecidable' ? `${head}: ${e.why}` : `${head}: base ${sideText(e.base, r.whereBase)}; head ${sideText(e.head, r.whereHead)}`;
  });
}
