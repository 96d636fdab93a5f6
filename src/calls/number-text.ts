/**
 * The source text of JSON number literals, kept beside the parsed value so that `mapArgsToCedar` never
 * derives a Cedar decimal from a JS double. The strict parser attaches, to every object or array that
 * directly holds numbers, a non-enumerable symbol-keyed map from key (object) or index (array) to the
 * literal's exact text. It is invisible to JSON.stringify, Object.keys, spreads and Jest equality.
 */
const NUMBER_TEXTS: unique symbol = Symbol('callgate.numberTexts');

type WithNumberTexts = { readonly [NUMBER_TEXTS]?: ReadonlyMap<string | number, string> };

export function attachNumberTexts(container: object, texts: ReadonlyMap<string | number, string>): void {
  if (texts.size === 0) return;
  Object.defineProperty(container, NUMBER_TEXTS, { value: texts, enumerable: false, writable: false, configurable: false });
}

/** The literal text of the number at `key` in `container`, when the strict parser recorded one. */
export function numberTextOf(container: object, key: string | number): string | undefined {
  return (container as WithNumberTexts)[NUMBER_TEXTS]?.get(key);
}
