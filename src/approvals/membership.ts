/**
 * Whether an approver belongs to the group a policy names: the approver entity itself, or any group the
 * verified token carries, is that group or has it among its ancestors in the bundle's entities (nested
 * groups, e.g. `Group::"sre"` in `Group::"oncall"`).
 */
import type { EntityRef } from './types';

/** `Type::"id"`, the key the bundle's entity store uses. */
export function entityKey(ref: EntityRef): string {
  return `${ref.type}::${JSON.stringify(ref.id)}`;
}

export function isMemberOf(group: EntityRef, member: EntityRef, memberGroups: readonly EntityRef[], ancestorsOf: (key: string) => readonly string[]): boolean {
  const target = entityKey(group);
  return [member, ...memberGroups].some((ref) => {
    const key = entityKey(ref);
    return key === target || ancestorsOf(key).includes(target);
  });
}

/** Parses the Cedar uid an `@approval` annotation names (`Group::"oncall"`); undefined when it is not one. */
export function parseEntityUid(text: string): EntityRef | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)::("(?:[^"\\]|\\.)*")$/.exec(text.trim());
  if (match === null) return undefined;
  try {
    const id: unknown = JSON.parse(match[2] ?? '');
    return typeof id === 'string' && match[1] !== undefined ? { type: match[1], id } : undefined;
  } catch {
    return undefined;
  }
}
