/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`), escaped the way the runner
 * unescapes them: in the message `%`, CR and LF become `%25`, `%0D`, `%0A`; in property values `:` and `,`
 * also become `%3A` and `%2C` (they separate properties). Anything else passes through unchanged.
 */

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  readonly level: AnnotationLevel;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly title?: string;
}

export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatAnnotation(annotation: Annotation): string {
  const properties: [string, string | number | undefined][] = [
    ['file', annotation.file],
    ['line', annotation.line],
    ['endLine', annotation.endLine],
    ['col', annotation.column],
    ['endColumn', annotation.endColumn],
    ['title', annotation.title],
  ];
  const props = properties
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeCommandProperty(String(value))}`)
    .join(',');
  return `::${annotation.level}${props === '' ? '' : ` ${props}`}::${escapeCommandData(annotation.message)}`;
}
