/**
 * Builds the schema a bundle is validated and evaluated against: callgate's base schema followed by the
 * bundle's `schema.cedarschema`, converted to JSON, with every callable action's context completed to
 * `{ input, caller, request, approval, time }`. An action without `appliesTo` becomes a function with no
 * arguments, unless it is used as a parent (an action group), which stays a group.
 */
import { checkParseSchema, schemaToJson, type ActionType, type NamespaceDefinition, type SchemaJson, type Type } from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblem } from './types';
import { problemsFromCedar, type SourceSpan } from './cedar-problems';
import { locateByteOffset } from './source-location';

export const BASE_SCHEMA_FILE = 'base.cedarschema';
export const RESERVED_CONTEXT = { caller: 'CallerInfo', request: 'RequestInfo', approval: 'ApprovalInfo', time: 'TimeInfo' } as const;
export const DEFAULT_PRINCIPALS = ['User', 'Service', 'Agent', 'Anonymous'] as const;
export const DEFAULT_RESOURCES = ['Server'] as const;

export interface CompletedSchema {
  readonly json: SchemaJson<string>;
  /** Every action that can be requested (has principals and resources after completion). */
  readonly functions: ReadonlySet<string>;
  /** Every declared action → its direct parents (schema `memberOf`). */
  readonly parents: ReadonlyMap<string, readonly string[]>;
}

export type CompleteSchemaResult = { readonly kind: 'ok'; readonly schema: CompletedSchema } | { readonly kind: 'invalid'; readonly problems: BundleProblem[] };

interface SchemaSource {
  readonly baseText: string;
  readonly userFile: string;
  readonly userText: string;
}

export function completeSchema(source: SchemaSource): CompleteSchemaResult {
  const combined = `${source.baseText}\n${source.userText}`;
  const locate = locateInSchema(source);
  const parsed = checkParseSchema(combined);
  if (parsed.type === 'failure') return { kind: 'invalid', problems: problemsFromCedar(parsed.errors, 'schema', locate, source.userFile) };
  const converted = schemaToJson(combined);
  if (converted.type === 'failure') return { kind: 'invalid', problems: problemsFromCedar(converted.errors, 'schema', locate, source.userFile) };
  const problems: BundleProblem[] = [];
  for (const namespace of Object.keys(converted.json)) {
    if (namespace !== '') problems.push(schemaProblem(source, `namespace ${namespace} is not supported: the bundle schema uses the empty namespace`, namespace));
  }
  const root = converted.json[''];
  if (root === undefined) return { kind: 'invalid', problems: [...problems, { code: 'schema', file: source.userFile, message: 'schema declares nothing' }] };
  const completed = completeNamespace(root, source, problems);
  if (problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'ok', schema: { ...completed, json: { '': completed.namespace } } };
}

function locateInSchema(source: SchemaSource): (offset: number) => SourceSpan | undefined {
  const baseBytes = Buffer.byteLength(`${source.baseText}\n`, 'utf8');
  return (offset) =>
    offset >= baseBytes
      ? { file: source.userFile, text: source.userText, byteOffset: offset - baseBytes }
      : { file: BASE_SCHEMA_FILE, text: source.baseText, byteOffset: offset };
}

function completeNamespace(root: NamespaceDefinition<string>, source: SchemaSource, problems: BundleProblem[]): { namespace: NamespaceDefinition<string>; functions: Set<string>; parents: Map<string, string[]> } {
  const parents = new Map<string, string[]>();
  for (const [name, action] of Object.entries(root.actions)) {
    parents.set(name, (action.memberOf ?? []).filter((p) => p.type === undefined || p.type === 'Action').map((p) => p.id));
  }
  const groups = new Set([...parents.values()].flat());
  const functions = new Set<string>();
  const actions: Record<string, ActionType<string>> = {};
  for (const [name, action] of Object.entries(root.actions)) {
    const done = completeAction(name, action, groups.has(name), root.commonTypes ?? {}, (message) => problems.push(schemaProblem(source, message, name)));
    actions[name] = done;
    if (done.appliesTo !== undefined && done.appliesTo.principalTypes.length > 0 && done.appliesTo.resourceTypes.length > 0) functions.add(name);
  }
  return { namespace: { ...root, actions }, functions, parents };
}

function completeAction(name: string, action: ActionType<string>, isGroup: boolean, commonTypes: Record<string, Type<string>>, report: (message: string) => void): ActionType<string> {
  const applies = action.appliesTo;
  const declared = applies !== undefined && (applies.principalTypes.length > 0 || applies.resourceTypes.length > 0);
  if (!declared && isGroup) return action;
  const base = declared ? applies : { principalTypes: [...DEFAULT_PRINCIPALS], resourceTypes: [...DEFAULT_RESOURCES] };
  const input = inputTypeOf(name, applies?.context, commonTypes, report);
  const attributes: Record<string, Type<string>> = { input };
  for (const [field, typeName] of Object.entries(RESERVED_CONTEXT)) attributes[field] = { type: typeName };
  return { ...action, appliesTo: { ...base, context: { type: 'Record', attributes } } };
}

function inputTypeOf(name: string, context: Type<string> | undefined, commonTypes: Record<string, Type<string>>, report: (message: string) => void): Type<string> {
  const empty: Type<string> = { type: 'Record', attributes: {} };
  if (context === undefined) return empty;
  const record = resolveRecord(context, commonTypes);
  if (record === undefined) {
    report(`the context of action "${name}" must be a record { input: { ... } }`);
    return empty;
  }
  for (const field of Object.keys(record)) {
    if (field in RESERVED_CONTEXT) report(`action "${name}" declares context.${field}, which callgate provides; declare only context.input`);
    else if (field !== 'input') report(`action "${name}" declares context.${field}; only context.input may be declared`);
  }
  const input = record.input;
  if (input === undefined) return empty;
  if (resolveRecord(input, commonTypes) === undefined) report(`context.input of action "${name}" must be a record type`);
  const { required, ...inputType } = input as Type<string> & { required?: boolean };
  if (required === false) report(`context.input of action "${name}" must not be optional`);
  return inputType;
}

/** The attributes of a record type, following common-type references in the empty namespace. */
function resolveRecord(type: Type<string>, commonTypes: Record<string, Type<string>>, depth = 0): Record<string, Type<string>> | undefined {
  if (depth > 16) return undefined;
  if ('attributes' in type && type.type === 'Record') return type.attributes;
  const name = 'name' in type && type.type === 'EntityOrCommon' ? type.name : type.type;
  const target = commonTypes[name];
  return target === undefined ? undefined : resolveRecord(target, commonTypes, depth + 1);
}

function schemaProblem(source: SchemaSource, message: string, name: string): BundleProblem {
  const index = findDeclaration(source.userText, name);
  if (index < 0) return { code: 'schema', file: source.userFile, message };
  const { line, column } = locateByteOffset(source.userText, Buffer.byteLength(source.userText.slice(0, index), 'utf8'));
  return { code: 'schema', file: source.userFile, line, column, message };
}

/** Best effort: where `name` is first written (quoted or bare) in the user's schema text. */
function findDeclaration(text: string, name: string): number {
  const quoted = text.indexOf(`"${name}"`);
  if (quoted >= 0) return quoted;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.search(new RegExp(`\\b${escaped}\\b`));
}
