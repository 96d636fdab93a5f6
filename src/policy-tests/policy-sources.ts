/**
 * Where each policy of a bundle is written (file:line), with its effect and descriptive annotations, read
 * with the policy module's own parser and annotation reader. Used to explain decisions and coverage.
 */
import { readBundleFiles } from '../policy/bundle-files';
import { parsePolicyFiles } from '../policy/parse-policies';
import { locateByteOffset } from '../policy/source-location';
import { readPolicyAnnotations, type PolicyEffect } from '../obligations/policy-annotations';
import { uidKeyOf } from './case-caller';

export interface PolicySourceInfo {
  readonly id: string;
  readonly effect: PolicyEffect;
  readonly file: string;
  readonly line: number;
  readonly reason?: string;
  readonly description?: string;
  readonly approvalGroup?: string;
}

export interface BundleSources {
  readonly policies: ReadonlyMap<string, PolicySourceInfo>;
  /** Uid keys of the entities in entities.json. */
  readonly entities: ReadonlySet<string>;
}

export async function readBundleSources(dir: string): Promise<BundleSources> {
  const files = await readBundleFiles(dir);
  const policies = new Map<string, PolicySourceInfo>();
  for (const source of parsePolicyFiles(files.policies).policies) {
    const annotations = source.json.annotations ?? {};
    const read = readPolicyAnnotations(source.json.effect, annotations).annotations;
    if (read.id === undefined || policies.has(read.id)) continue;
    const { line } = locateByteOffset(source.fileText, source.byteOffset);
    const description = annotations.description;
    policies.set(read.id, {
      id: read.id,
      effect: source.json.effect,
      file: source.file,
      line,
      ...(read.reason === undefined ? {} : { reason: read.reason }),
      ...(typeof description === 'string' ? { description } : {}),
      ...(read.approvalGroup === undefined ? {} : { approvalGroup: read.approvalGroup }),
    });
  }
  return { policies, entities: entityKeys(files.entities?.text) };
}

function entityKeys(text: string | undefined): Set<string> {
  const keys = new Set<string>();
  if (text === undefined) return keys;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return keys; // the bundle loader reports it
  }
  if (!Array.isArray(parsed)) return keys;
  for (const entity of parsed as { uid?: { type?: unknown; id?: unknown; __entity?: { type?: unknown; id?: unknown } } }[]) {
    const uid = entity?.uid?.__entity ?? entity?.uid;
    if (typeof uid?.type === 'string' && typeof uid.id === 'string') keys.add(uidKeyOf({ type: uid.type, id: uid.id }));
  }
  return keys;
}
