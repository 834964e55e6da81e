/**
 * Frequent first and last members of German compounds in legal, medical, environmental and administrative text.
 * A rule keyword found inside a word counts only after a prefix made of these parts (or of other rule keywords),
 * so "Baugenehmigung" contains "genehmigung" (after "bau") while "gerecht" does not contain "recht" ("ge" is not
 * a part). Extend with the router's `compoundParts` option rather than this list.
 */
export const GERMAN_COMPOUND_PARTS: readonly string[] = [
  'abfall', 'amt', 'antrag', 'anwalt', 'arbeit', 'arzt', 'auto', 'bank', 'bau', 'bauch', 'behörde', 'blut', 'boden',
  'brust', 'bürger', 'daten', 'ehe', 'eltern', 'energie', 'erb', 'familie', 'frist', 'gemeinde', 'genehmigung',
  'gericht', 'gesetz', 'gesundheit', 'grund', 'hals', 'haus', 'haut', 'herz', 'kauf', 'kind', 'kinder', 'klage',
  'klima', 'kopf', 'kosten', 'kranken', 'krankheit', 'land', 'luft', 'lunge', 'lärm', 'miet', 'müll', 'natur',
  'patient', 'pflege', 'pflanze', 'recht', 'rücken', 'schaden', 'schmerz', 'schul', 'schutz', 'sozial', 'stadt',
  'steuer', 'straf', 'tier', 'umwelt', 'unfall', 'verfahren', 'verkehr', 'verordnung', 'versicherung', 'vertrag',
  'wald', 'wasser', 'zahn',
];

/** Linking elements (Fugenelemente) between compound members: Recht-s-anwalt, Patient-en-recht. */
export const LINKING_ELEMENTS: readonly string[] = ['s', 'es', 'n', 'en', 'e', 'er', 'ens'];

/** Word endings that keep a stem match a match: German and English inflection and derivation. */
export const INFLECTIONS: ReadonlySet<string> = new Set([
  '', 'e', 'em', 'en', 'er', 'ern', 'es', 'n', 'ns', 's', 'se', 'sen', 'in', 'innen',
  'lich', 'liche', 'lichen', 'licher', 'liches', 'isch', 'ische', 'ischen', 'ischer', 'isches',
  'ed', 'ing', 'al', 'ally', 'ly', "'s", '’s', "s'", 'ies', 'ial',
]);
