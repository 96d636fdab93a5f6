/**
 * Exact path-template matching on the raw (not percent-decoded) path without its query string.
 * A template segment `{name}` captures one whole path segment, which is percent-decoded exactly once;
 * literal segments compare byte for byte with the raw path (so `/%66unctions/x` does not match
 * `/functions/{function}`). A captured segment is refused when it has an invalid escape, or when its
 * decoded form is empty, `.` or `..`, or contains `/`, `\` or `%` (a second decoding would change it).
 */
export type TemplateMatch =
  | { readonly kind: 'match'; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'invalid'; readonly message: string };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The path without the query string (and without a fragment, should one reach us). */
export function stripQuery(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

function decodeSegment(raw: string): { readonly kind: 'ok'; readonly value: string } | { readonly kind: 'invalid'; readonly message: string } {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return { kind: 'invalid', message: 'path segment has an invalid percent-escape' };
  }
  if (value === '' || value === '.' || value === '..') return { kind: 'invalid', message: 'path segment is empty or a dot segment' };
  if (/[/\\%]/.test(value)) return { kind: 'invalid', message: 'path segment decodes to a separator or a percent sign' };
  return { kind: 'ok', value };
}

export function matchPathTemplate(template: string, rawPath: string): TemplateMatch {
  const want = template.split('/');
  const have = stripQuery(rawPath).split('/');
  if (want.length !== have.length) return { kind: 'no-match' };
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let invalid: string | undefined;
  for (let i = 0; i < want.length; i += 1) {
    const pattern = want[i] ?? '';
    const segment = have[i] ?? '';
    const param = PARAM.exec(pattern)?.[1];
    if (param === undefined) {
      if (pattern !== segment) return { kind: 'no-match' };
      continue;
    }
    const decoded = decodeSegment(segment);
    if (decoded.kind === 'invalid') invalid ??= decoded.message;
    else params[param] = decoded.value;
  }
  return invalid === undefined ? { kind: 'match', params } : { kind: 'invalid', message: invalid };
}
