/** Maps Cedar's byte offsets (UTF-8) back to 1-based line and column (in characters) of a source file. */

export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

export function locateByteOffset(text: string, byteOffset: number): LineColumn {
  const bytes = Buffer.from(text, 'utf8');
  const clamped = Math.max(0, Math.min(byteOffset, bytes.length));
  const before = bytes.subarray(0, clamped).toString('utf8');
  const lastNewline = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  const column = [...before.slice(lastNewline + 1)].length + 1;
  return { line, column };
}

/** The UTF-8 byte length of `text` up to the character index `charIndex`. */
export function byteOffsetOf(text: string, charIndex: number): number {
  return Buffer.byteLength(text.slice(0, charIndex), 'utf8');
}
