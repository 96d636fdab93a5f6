/**
 * Writes function declarations as Cedar schema text that fits callgate's base schema: each function an
 * action with principals [User, Service, Agent, Anonymous], resource [Server] and `context: { input }`
 * (callgate completes caller, request, approval and time); groups declared once as parentless actions.
 * Every name is a quoted Cedar string, so any tool or attribute name is expressible. Problems of a
 * function are written as comments above it.
 */
import type { CedarType, FunctionDeclaration, GroupDeclaration } from './cedar-type';
import { assertNever } from '../errors';

const INDENT = '  ';

export function emitCedarSchema(header: readonly string[], groups: readonly GroupDeclaration[], functions: readonly FunctionDeclaration[]): string {
  const lines: string[] = header.map((line) => `// ${oneLine(line)}`);
  if (groups.length > 0) {
    lines.push('', '// Action groups (policies use `action in Action::"<group>"`).');
    for (const group of groups) lines.push(`@doc(${cedarString(group.doc)})`, `action ${cedarString(group.name)};`);
  }
  for (const fn of functions) {
    lines.push('');
    for (const problem of fn.problems) lines.push(`// not expressed: ${oneLine(problem.pointer)}: ${oneLine(problem.message)}`);
    if (fn.doc !== undefined && fn.doc !== '') lines.push(`@doc(${cedarString(fn.doc)})`);
    const parents = fn.groups.length === 0 ? '' : ` in [${fn.groups.map(cedarString).join(', ')}]`;
    lines.push(
      `action ${cedarString(fn.name)}${parents}`,
      `${INDENT}appliesTo {`,
      `${INDENT}${INDENT}principal: [User, Service, Agent, Anonymous],`,
      `${INDENT}${INDENT}resource: [Server],`,
      `${INDENT}${INDENT}context: { input: ${emitType(fn.input, 2)} },`,
      `${INDENT}};`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function emitType(type: CedarType, level: number): string {
  switch (type.kind) {
    case 'string':
      return 'String';
    case 'long':
      return 'Long';
    case 'bool':
      return 'Bool';
    case 'decimal':
      return 'decimal';
    case 'set':
      return `Set<${emitType(type.element, level)}>`;
    case 'record': {
      if (type.attributes.length === 0) return '{}';
      const inner = INDENT.repeat(level + 1);
      const fields = type.attributes.map((a) => `${inner}${cedarString(a.name)}${a.required ? '' : '?'}: ${emitType(a.type, level + 1)},`);
      return `{\n${fields.join('\n')}\n${INDENT.repeat(level)}}`;
    }
    default:
      return assertNever(type, 'Cedar type');
  }
}

/** A Cedar string literal: backslash, quotes and control characters escaped (Cedar's `\u{…}` form). */
export function cedarString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || ch === '\u2028' || ch === '\u2029') out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

