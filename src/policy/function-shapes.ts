/**
 * What evaluating a function needs from the schema, computed once per bundle so the schema is not
 * re-applied by Cedar on every call: the principal and resource types it applies to, the type of its
 * `context.input`, and its action entity with every ancestor action group (for `action in Action::"g"`).
 */
import type { EntityJson, SchemaJson, Type } from '@cedar-policy/cedar-wasm/nodejs';
import { conformToType, schemaNamesOf, type SchemaNames } from './conform-to-schema';

export interface FunctionShape {
  readonly principalTypes: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly inputType: Type<string>;
  /** The action entity and its ancestors, with their `memberOf` parents. */
  readonly actionEntities: readonly EntityJson[];
}

export interface SchemaShapes {
  readonly names: SchemaNames;
  readonly functions: ReadonlyMap<string, FunctionShape>;
}

const EMPTY_RECORD: Type<string> = { type: 'Record', attributes: {} };

/** The action entities of one bundle, each built once: functions in the same group share its entity. */
function actionEntities(parents: ReadonlyMap<string, readonly string[]>): (id: string) => EntityJson {
  const built = new Map<string, EntityJson>();
  return (id) => {
    let entity = built.get(id);
    if (entity === undefined) {
      entity = { uid: { type: 'Action', id }, attrs: {}, parents: (parents.get(id) ?? []).map((p) => ({ type: 'Action', id: p })) };
      built.set(id, entity);
    }
    return entity;
  };
}

function actionLineage(id: string, parents: ReadonlyMap<string, readonly string[]>, entityOf: (id: string) => EntityJson): EntityJson[] {
  const seen = new Set<string>();
  const pending = [id];
  const out: EntityJson[] = [];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    out.push(entityOf(next));
    pending.push(...(parents.get(next) ?? []));
  }
  return out;
}

/**
 * `make(value)`, one instance per distinct JSON text of `value`: most functions of a bundle declare the same
 * principal and resource types and many the same input type, so they share one instance from the start and
 * shareShapes (share-equal.ts) interns a handful of values instead of one per function (10,000 functions:
 * ~60 ms of a cached start). Values equal but written in another key order are left to shareShapes.
 */
function sharedByText<V, R>(make: (value: V) => R): (value: V) => R {
  const byText = new Map<string, R>();
  return (value) => {
    const text = JSON.stringify(value) ?? '';
    let made = byText.get(text);
    if (made === undefined) byText.set(text, (made = make(value)));
    return made;
  };
}

function inputTypeOf(context: Type<string> | undefined): Type<string> {
  const attrs = (context as { attributes?: Record<string, Type<string>> } | undefined)?.attributes;
  return attrs?.input ?? EMPTY_RECORD;
}

export function schemaShapesOf(schema: SchemaJson<string>, functions: ReadonlySet<string>, parents: ReadonlyMap<string, readonly string[]>): SchemaShapes {
  const ns = schema[''];
  const shapes = new Map<string, FunctionShape>();
  const entityOf = actionEntities(parents);
  const typeSet = sharedByText((types: readonly string[]): ReadonlySet<string> => new Set(types));
  const inputType = sharedByText((type: Type<string>) => type);
  for (const name of functions) {
    const applies = ns?.actions[name]?.appliesTo;
    if (applies === undefined) continue;
    shapes.set(name, {
      principalTypes: typeSet(applies.principalTypes),
      resourceTypes: typeSet(applies.resourceTypes),
      inputType: inputType(inputTypeOf(applies.context)),
      actionEntities: actionLineage(name, parents, entityOf),
    });
  }
  return { names: schemaNamesOf(schema), functions: shapes };
}

/**
 * entities.json in Cedar's explicit JSON form (implicit entity references and extension literals made
 * explicit against each entity type's shape), so entities need no schema at evaluation. The file was
 * already checked against the schema by Cedar; a value this cannot make explicit is reported.
 */
export function explicitEntities(entities: readonly EntityJson[], schema: SchemaJson<string>, names: SchemaNames): { entities: EntityJson[]; problems: string[] } {
  const types = schema['']?.entityTypes ?? {};
  const problems: string[] = [];
  const out = entities.map((entity) => {
    const uid = '__entity' in entity.uid ? entity.uid.__entity : entity.uid;
    const def = types[uid.type] as { shape?: Type<string>; tags?: Type<string> } | undefined;
    const shape = def?.shape ?? EMPTY_RECORD;
    const attrs = conformToType(entity.attrs, shape, names, `${uid.type}::"${uid.id}"`);
    if (attrs.kind === 'invalid') {
      problems.push(`${attrs.path}: ${attrs.message}`);
      return entity;
    }
    const parents = entity.parents.map((p) => ('__entity' in p ? p.__entity : p));
    const result: EntityJson = { uid, attrs: attrs.value as EntityJson['attrs'], parents };
    if (entity.tags !== undefined && def?.tags !== undefined) {
      const tags: Record<string, EntityJson['attrs'][string]> = {};
      for (const [k, v] of Object.entries(entity.tags)) {
        const c = conformToType(v, def.tags, names, `${uid.type}::"${uid.id}" tag ${k}`);
        if (c.kind === 'invalid') problems.push(`${c.path}: ${c.message}`);
        else tags[k] = c.value;
      }
      result.tags = tags;
    }
    return result;
  });
  return { entities: out, problems };
}
