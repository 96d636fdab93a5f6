/**
 * An OpenAPI 3.0/3.1 document (references resolved) → function declarations: one action per operation,
 * named by its `operationId`, with `context.input` from the JSON request body schema (callgate's HTTP
 * function arguments are the JSON body object). Groups: each tag of the operation; `readOnly` for GET,
 * HEAD and OPTIONS (safe methods); `destructive` for DELETE. Parameters (path, query, header, cookie) are
 * not arguments callgate passes to policies; each one is reported, as is an operation without an
 * operationId or with a request body that is not JSON.
 */
import { RESERVED_PREFIX } from '../calls/function-name';
import { pointerChild, type FunctionDeclaration, type GenerationProblem, type GroupDeclaration, type SourceFunctions } from './cedar-type';
import { convertInputSchema } from './json-schema-to-cedar';

type JsonObject = { readonly [key: string]: unknown };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const SAFE_METHODS: ReadonlySet<string> = new Set(['get', 'head', 'options']);
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;.*)?$/i;

export function readOpenApi(document: unknown, options: { group?: string } = {}): SourceFunctions {
  if (!isObject(document)) return only({ pointer: '', message: 'not an OpenAPI document (expected an object)' });
  const version = document.openapi;
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    return only({ pointer: '/openapi', message: `unsupported document version ${JSON.stringify(version ?? document.swagger ?? null)}: expected OpenAPI 3.0.x or 3.1.x` });
  }
  const paths = isObject(document.paths) ? document.paths : {};
  const problems: GenerationProblem[] = [];
  const functions: FunctionDeclaration[] = [];
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const itemPointer = pointerChild('/paths', path);
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const pointer = pointerChild(itemPointer, method);
      const fn = readOperation(operation, method, pointer, item, itemPointer, options.group);
      problems.push(...fn.problems);
      if (fn.declaration === undefined) continue;
      if (seen.has(fn.declaration.name)) {
        problems.push({ pointer: pointerChild(pointer, 'operationId'), message: `operationId "${fn.declaration.name}" is used twice` });
        continue;
      }
      seen.add(fn.declaration.name);
      functions.push(fn.declaration);
    }
  }
  return { groups: groupsUsed(functions, document, options.group), functions, problems };
}

function readOperation(operation: JsonObject, method: string, pointer: string, item: JsonObject, itemPointer: string, serverGroup: string | undefined): { declaration?: FunctionDeclaration; problems: GenerationProblem[] } {
  const name = operation.operationId;
  const label = `${method.toUpperCase()} operation`;
  if (typeof name !== 'string' || name === '') return { problems: [{ pointer, message: `${label} has no operationId: callgate names functions by operationId` }] };
  if (name.startsWith(RESERVED_PREFIX)) return { problems: [{ pointer: pointerChild(pointer, 'operationId'), message: `operationId "${name}": names starting with "${RESERVED_PREFIX}" are reserved for MCP protocol methods` }] };
  const problems = [...parameterProblems(item.parameters, pointerChild(itemPointer, 'parameters'), name), ...parameterProblems(operation.parameters, pointerChild(pointer, 'parameters'), name)];
  const body = requestBodySchema(operation.requestBody, pointerChild(pointer, 'requestBody'));
  if (body.kind === 'problem') problems.push(body.problem);
  const converted = body.kind === 'schema' ? convertInputSchema(body.schema, body.pointer) : { input: { kind: 'record' as const, attributes: [] }, problems: [] };
  problems.push(...converted.problems);
  const tags = Array.isArray(operation.tags) ? operation.tags.filter((t): t is string => typeof t === 'string' && t !== '') : [];
  const groups = [...new Set([...tags, ...(SAFE_METHODS.has(method) ? ['readOnly'] : []), ...(method === 'delete' ? ['destructive'] : []), ...(serverGroup === undefined ? [] : [serverGroup])])];
  const doc = typeof operation.summary === 'string' ? operation.summary : typeof operation.description === 'string' ? operation.description : undefined;
  return { declaration: { name, groups, input: converted.input, problems, ...(doc === undefined ? {} : { doc }) }, problems: [] };
}

function parameterProblems(parameters: unknown, pointer: string, name: string): GenerationProblem[] {
  if (!Array.isArray(parameters)) return [];
  return parameters.flatMap((parameter, index) => {
    const where = isObject(parameter) ? `${String(parameter.in)} parameter "${String(parameter.name)}"` : 'parameter';
    return [{ pointer: pointerChild(pointer, index), message: `${where} of "${name}" is not in context.input: callgate passes only the JSON request body to policies` }];
  });
}

function requestBodySchema(requestBody: unknown, pointer: string): { kind: 'none' } | { kind: 'schema'; schema: unknown; pointer: string } | { kind: 'problem'; problem: GenerationProblem } {
  if (requestBody === undefined) return { kind: 'none' };
  if (!isObject(requestBody) || !isObject(requestBody.content)) return { kind: 'problem', problem: { pointer, message: 'requestBody without content' } };
  const mediaType = Object.keys(requestBody.content).find((type) => JSON_MEDIA_TYPE.test(type));
  if (mediaType === undefined) return { kind: 'problem', problem: { pointer: pointerChild(pointer, 'content'), message: `request body is not JSON (${Object.keys(requestBody.content).join(', ')}): callgate reads JSON function arguments only` } };
  const media = requestBody.content[mediaType];
  const at = pointerChild(pointerChild(pointer, 'content'), mediaType);
  if (!isObject(media) || media.schema === undefined) return { kind: 'problem', problem: { pointer: at, message: 'JSON request body without a schema' } };
  return { kind: 'schema', schema: media.schema, pointer: pointerChild(at, 'schema') };
}

function groupsUsed(functions: readonly FunctionDeclaration[], document: JsonObject, serverGroup: string | undefined): GroupDeclaration[] {
  const tagDocs = new Map<string, string>();
  for (const tag of Array.isArray(document.tags) ? document.tags : []) {
    if (isObject(tag) && typeof tag.name === 'string' && typeof tag.description === 'string') tagDocs.set(tag.name, tag.description);
  }
  const fixed: Record<string, string> = { readOnly: 'operations with a safe HTTP method (GET, HEAD, OPTIONS)', destructive: 'DELETE operations' };
  if (serverGroup !== undefined) fixed[serverGroup] = 'every operation of this API';
  const names = [...new Set(functions.flatMap((f) => f.groups))];
  return names.map((name) => ({ name, doc: fixed[name] ?? tagDocs.get(name) ?? `operations tagged "${name}"` }));
}

function only(problem: GenerationProblem): SourceFunctions {
  return { groups: [], functions: [], problems: [problem] };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
