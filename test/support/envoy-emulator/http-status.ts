/** envoy.type.v3.StatusCode names (as grpc-js decodes them with `enums: String`) → HTTP status numbers. */
import { loadAuthProto } from '../../../src/envoy/protos';

interface EnumValue {
  readonly name: string;
  readonly number: number;
}

function enumValuesOf(definition: unknown): readonly EnumValue[] {
  const type = (definition as { type?: { value?: unknown } } | undefined)?.type;
  const values = type?.value;
  if (!Array.isArray(values)) throw new Error('envoy.type.v3.StatusCode enum definition not found');
  return values.filter((v): v is EnumValue => typeof (v as EnumValue).name === 'string' && typeof (v as EnumValue).number === 'number');
}

/** The HTTP status of an HttpStatus.code; 0 when unset or unknown. */
export function httpStatusNumber(code: string | number | undefined): number {
  if (typeof code === 'number') return code;
  if (code === undefined || code === '') return 0;
  const found = enumValuesOf(loadAuthProto().envoy.type.v3.StatusCode).find((v) => v.name === code);
  return found?.number ?? 0;
}
