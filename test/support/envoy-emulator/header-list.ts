/**
 * An ordered, multi-valued HTTP header list with Envoy's HeaderMap operations. Names are stored
 * lower-case. The list is a local value owned by one request; the functions mutate it in place.
 */
export type HeaderList = Array<[name: string, value: string]>;

export function hasHeader(list: HeaderList, name: string): boolean {
  const key = name.toLowerCase();
  return list.some(([n]) => n === key);
}

export function headerValues(list: HeaderList, name: string): string[] {
  const key = name.toLowerCase();
  return list.filter(([n]) => n === key).map(([, v]) => v);
}

/** Envoy `remove`. */
export function removeHeader(list: HeaderList, name: string): void {
  const key = name.toLowerCase();
  for (let i = list.length - 1; i >= 0; i--) if (list[i]?.[0] === key) list.splice(i, 1);
}

/** Envoy `addCopy`: a further header line. */
export function addHeader(list: HeaderList, name: string, value: string): void {
  list.push([name.toLowerCase(), value]);
}

/** Envoy `setCopy`: replace every line of this header with one. */
export function setHeader(list: HeaderList, name: string, value: string): void {
  const key = name.toLowerCase();
  const at = list.findIndex(([n]) => n === key);
  removeHeader(list, key);
  if (at < 0) list.push([key, value]);
  else list.splice(Math.min(at, list.length), 0, [key, value]);
}

/** Envoy `appendCopy`: join onto the existing value with ",", or add when absent. */
export function appendHeader(list: HeaderList, name: string, value: string): void {
  const key = name.toLowerCase();
  const entry = list.find(([n]) => n === key);
  if (entry === undefined) list.push([key, value]);
  else entry[1] = entry[1] === '' ? value : `${entry[1]},${value}`;
}

/** The CheckRequest `headers` view: one key per name, duplicates joined with "," (no space). */
export function mergeHeaders(list: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of list) {
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev},${value}`;
  }
  return out;
}
