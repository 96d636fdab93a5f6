/** The Cedar types a generated function input can use, and the declarations a generated schema holds. */

export type CedarType =
  | { readonly kind: 'string' }
  | { readonly kind: 'long' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'decimal' }
  | { readonly kind: 'set'; readonly element: CedarType }
  | { readonly kind: 'record'; readonly attributes: readonly CedarAttribute[] };

export interface CedarAttribute {
  readonly name: string;
  readonly type: CedarType;
  readonly required: boolean;
}

export type RecordType = Extract<CedarType, { kind: 'record' }>;

/** A construct of the source document that the generated schema cannot express. */
export interface GenerationProblem {
  /** JSON pointer (RFC 6901) into the source document, e.g. "/tools/2/inputSchema/properties/filter/anyOf". */
  readonly pointer: string;
  readonly message: string;
}

/** One function (Cedar action) to declare. */
export interface FunctionDeclaration {
  readonly name: string;
  /** Action groups this function belongs to (each declared once as a parentless action). */
  readonly groups: readonly string[];
  readonly doc?: string;
  readonly input: RecordType;
  /** Problems found in this function's source; emitted as comments above its declaration. */
  readonly problems: readonly GenerationProblem[];
}

export interface GroupDeclaration {
  readonly name: string;
  readonly doc: string;
}

/** What a source document (MCP tools/list, OpenAPI) declares. */
export interface SourceFunctions {
  readonly groups: readonly GroupDeclaration[];
  readonly functions: readonly FunctionDeclaration[];
  /** Problems outside any one function (the document's shape, names). */
  readonly problems: readonly GenerationProblem[];
}

export function pointerChild(pointer: string, key: string | number): string {
  return `${pointer}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
