/**
 * `callgate audit verify FILE… [--public-key PEM]`: checks audit files written by the sink, in the order
 * written (see audit/verify-trail.ts for what is reported). Exit 0 intact, 1 tampered.
 */
import { readFileSync } from 'node:fs';
import { loadPublicKey } from '../audit/checkpoint';
import { verifyTrail, type TrailFile, type TrailProblem } from '../audit/verify-trail';

export interface AuditVerifyResult {
  readonly ok: boolean;
  readonly output: string;
}

function formatProblem(p: TrailProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  const id = p.decisionId === undefined ? '' : ` (decision_id ${p.decisionId})`;
  return `${where}: ${p.kind}: ${p.message}${id}`;
}

export function runAuditVerify(files: readonly string[], options: { publicKey?: string } = {}): AuditVerifyResult {
  const trail: TrailFile[] = [];
  for (const name of files) {
    try {
      trail.push({ name, text: readFileSync(name, 'utf8') });
    } catch (err) {
      return { ok: false, output: `${name}: cannot read: ${(err as Error).message}` };
    }
  }
  const key = options.publicKey === undefined ? undefined : loadPublicKey(options.publicKey);
  const report = verifyTrail(trail, key);
  const lines = [...report.problems.map(formatProblem), ...report.notes.map((n) => `note: ${n}`)];
  const summary = report.ok
    ? `ok: ${report.records} records, ${report.checkpoints} checkpoints, chain intact${key === undefined ? '' : ', signatures valid'}`
    : `tampered: ${report.problems.length} problem(s) in ${report.records} records`;
  return { ok: report.ok, output: [...lines, summary].join('\n') };
}
