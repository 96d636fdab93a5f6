/**
 * Resolves `$ref`s with @apidevtools/json-schema-ref-parser. Recursive references are left in place (the
 * converter reports them: Cedar types are not recursive); references over the network are never fetched.
 */
import $RefParser from '@apidevtools/json-schema-ref-parser';

/** A schema object with its local (`#/…`) references resolved; external references are left unresolved. */
export async function dereferenceSchema(schema: object): Promise<unknown> {
  const copy = structuredClone(schema);
  return $RefParser.dereference(copy, { resolve: { external: false }, dereference: { circular: 'ignore' } });
}

/** A document read from a file (JSON or YAML) with its references resolved, including other local files. */
export async function dereferenceFile(path: string): Promise<unknown> {
  return $RefParser.dereference(path, { resolve: { http: false }, dereference: { circular: 'ignore' } });
}
