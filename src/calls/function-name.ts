/** Function names become Cedar action ids; the `mcp:` prefix is reserved for protocol methods. */
import { rejectCall, type Rejection } from './rejection';

export const RESERVED_PREFIX = 'mcp:';

export function checkFunctionName(name: string): Rejection | undefined {
  if (name === '') return rejectCall('ERR_CALL_INVALID_FUNCTION', 'function name is empty');
  if (name.startsWith(RESERVED_PREFIX)) return rejectCall('ERR_CALL_INVALID_FUNCTION', `function names must not start with "${RESERVED_PREFIX}"`);
  return undefined;
}
