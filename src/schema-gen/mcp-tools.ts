/**
 * An MCP `tools/list` result (`{"tools": [...]}`, the whole JSON-RPC response around it, or an array of
 * them, one per page; a last page with a nextCursor is reported, so no tool is left out) → function
 * declarations: one action per tool named after the tool, `context.input` from its `inputSchema`, and
 * action groups from its annotations with the MCP defaults for absent hints (readOnlyHint false,
 * destructiveHint true, openWorldHint true): `readOnly` when readOnlyHint is true; `destructive` when the
 * tool is not read-only and destructiveHint is not false; `openWorld` when openWorldHint is not false.
 */
import { RESERVED_PREFIX } from '../calls/function-name';
import { pointerChild, type FunctionDeclaration, type GenerationProblem, type GroupDeclaration, type SourceFunctions } from './cedar-type';
import { convertInputSchema } from './json-schema-to-cedar';
import { dereferenceSchema } from './dereference';

export const MCP_GROUPS: readonly GroupDeclaration[] = [
  { name: 'readOnly', doc: 'MCP tools annotated readOnlyHint: true' },
  { name: 'destructive', doc: 'MCP tools that are not read-only and not annotated destructiveHint: false (the MCP default is destructive)' },
  { name: 'openWorld', doc: 'MCP tools not annotated openWorldHint: false (the MCP default is open world)' },
];

type JsonObject = { readonly [key: string]: unknown };

export async function readMcpTools(document: unknown, options: { group?: string } = {}): Promise<SourceFunctions> {
  const located = locateTools(document);
  if (located.kind === 'problem') return { groups: [], functions: [], problems: [located.problem] };
  const problems: GenerationProblem[] = [...located.problems];
  const functions: FunctionDeclaration[] = [];
  const seen = new Set<string>();
  for (const { tool, pointer } of located.tools) {
    const fn = await readTool(tool, pointer, options.group);
    if (fn.kind === 'problem') {
      problems.push(fn.problem);
      continue;
    }
    if (seen.has(fn.declaration.name)) {
      problems.push({ pointer: pointerChild(pointer, 'name'), message: `tool "${fn.declaration.name}" is listed twice` });
      continue;
    }
    seen.add(fn.declaration.name);
    functions.push(fn.declaration);
  }
  const used = new Set(functions.flatMap((f) => f.groups));
  const groups = [...MCP_GROUPS, ...(options.group === undefined ? [] : [{ name: options.group, doc: 'every tool of this MCP server' }])].filter((g) => used.has(g.name));
  return { groups, functions, problems };
}

type Located = { kind: 'tools'; tools: readonly { tool: unknown; pointer: string }[]; problems: GenerationProblem[] } | { kind: 'problem'; problem: GenerationProblem };

/** One tools/list result, or an array of them (every page of a paginated listing, in order). */
function locateTools(document: unknown): Located {
  const pages = Array.isArray(document) ? document.map((page, index) => ({ page, pointer: `/${index}` })) : [{ page: document, pointer: '' }];
  const tools: { tool: unknown; pointer: string }[] = [];
  const problems: GenerationProblem[] = [];
  for (const [index, { page, pointer }] of pages.entries()) {
    const result = isObject(page) && isObject(page.result) && !Array.isArray(page.tools) ? { value: page.result, pointer: `${pointer}/result` } : { value: page, pointer };
    if (isObject(page) && 'error' in page) return { kind: 'problem', problem: { pointer: `${pointer}/error`, message: 'the JSON-RPC response is an error, not a tools/list result' } };
    if (!isObject(result.value) || !Array.isArray(result.value.tools)) {
      return { kind: 'problem', problem: { pointer, message: 'expected an MCP tools/list result: {"tools": [...]}, a JSON-RPC response with result.tools, or an array of them (one per page)' } };
    }
    result.value.tools.forEach((tool, i) => tools.push({ tool, pointer: pointerChild(`${result.pointer}/tools`, i) }));
    const cursor = result.value.nextCursor;
    if (index === pages.length - 1 && typeof cursor === 'string' && cursor !== '') {
      problems.push({ pointer: `${result.pointer}/nextCursor`, message: 'the listing continues on another page (nextCursor): pass every page, as a JSON array of the results, so no tool is left out' });
    }
  }
  return { kind: 'tools', tools, problems };
}

async function readTool(tool: unknown, pointer: string, serverGroup: string | undefined): Promise<{ kind: 'ok'; declaration: FunctionDeclaration } | { kind: 'problem'; problem: GenerationProblem }> {
  if (!isObject(tool)) return { kind: 'problem', problem: { pointer, message: 'a tool must be an object' } };
  const name = tool.name;
  if (typeof name !== 'string' || name === '') return { kind: 'problem', problem: { pointer: pointerChild(pointer, 'name'), message: 'a tool needs a non-empty name' } };
  if (name.startsWith(RESERVED_PREFIX)) return { kind: 'problem', problem: { pointer: pointerChild(pointer, 'name'), message: `tool "${name}": names starting with "${RESERVED_PREFIX}" are reserved for MCP protocol methods` } };
  const schemaPointer = pointerChild(pointer, 'inputSchema');
  if (!isObject(tool.inputSchema)) return { kind: 'problem', problem: { pointer: schemaPointer, message: `tool "${name}" has no inputSchema object` } };
  let schema: unknown;
  try {
    schema = await dereferenceSchema(tool.inputSchema);
  } catch (err) {
    return { kind: 'problem', problem: { pointer: schemaPointer, message: `tool "${name}": cannot resolve $ref: ${(err as Error).message}` } };
  }
  const { input, problems } = convertInputSchema(schema, schemaPointer);
  const doc = typeof tool.description === 'string' ? tool.description : typeof tool.title === 'string' ? tool.title : undefined;
  const groups = [...groupsOf(isObject(tool.annotations) ? tool.annotations : {}), ...(serverGroup === undefined ? [] : [serverGroup])];
  return { kind: 'ok', declaration: { name, groups, input, problems, ...(doc === undefined ? {} : { doc }) } };
}

function groupsOf(annotations: JsonObject): string[] {
  const readOnly = annotations.readOnlyHint === true;
  const groups: string[] = [];
  if (readOnly) groups.push('readOnly');
  if (!readOnly && annotations.destructiveHint !== false) groups.push('destructive');
  if (annotations.openWorldHint !== false) groups.push('openWorld');
  return groups;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
