/**
 * HTML built with a tagged template that escapes every interpolated value (`escape-html`), so nothing
 * from a request, a token or an approval's input can become markup. Only fragments produced by `html`
 * itself pass through unescaped.
 */
import escapeHtml from 'escape-html';

export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolation = SafeHtml | string | number | boolean | undefined | readonly SafeHtml[];

function render(value: Interpolation): string {
  if (value === undefined) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map((v: SafeHtml) => v.text).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
