/** The JSON Schema drafts this package validates. */
export type Draft = 'draft-07' | '2019-09' | '2020-12';

/** Meta-schema URI of each draft, as `$schema` and the hyperjump dialect id spell it. */
export const DIALECT_ID: Record<Draft, string> = {
  'draft-07': 'http://json-schema.org/draft-07/schema',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};

/** The draft a `$schema` URI names, tolerant of `http`/`https` and a trailing `#`. */
export function draftOf(uri: string): Draft | undefined {
  const bare = uri.replace(/#$/, '').replace(/^https?:\/\//, '');
  for (const [draft, id] of Object.entries(DIALECT_ID) as [Draft, string][]) {
    if (id.replace(/^https?:\/\//, '') === bare) return draft;
  }
  return undefined;
}
