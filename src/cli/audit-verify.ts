/** `callgate audit verify FILE…`: checks the hash chain of audit files written by the file sink, in order. */
import { readFileSync } from 'node:fs';
import { verifyChain } from '../audit/hash-chain';

export interface AuditVerifyResult {
  readonly ok: boolean;
  readonly output: string;
}

export function runAuditVerify(files: readonly string[]): AuditVerifyResult {
  const lines: string[] = [];
  let prev: string | undefined;
  let total = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { ok: false, output: `${file}: cannot read: ${(err as Error).message}` };
    }
    const result = verifyChain(text.split('\n'), prev);
    total += result.records;
    for (const p of result.problems) lines.push(`${file}:${p.line}: ${p.kind}: ${p.message}`);
    if (text.length > 0 && !text.endsWith('\n')) lines.push(`${file}: truncated: the last line is incomplete`);
    prev = result.last;
  }
  if (lines.length === 0) return { ok: true, output: `ok: ${total} records, chain intact` };
  return { ok: false, output: lines.join('\n') };
}
