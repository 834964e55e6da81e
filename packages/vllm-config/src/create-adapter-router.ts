import { isNewerVersion, type AdapterMetadata } from '@lorakit/adapter-metadata';
import { GERMAN_COMPOUND_PARTS, INFLECTIONS, LINKING_ELEMENTS } from './internal/german-compound-parts.js';
import { VllmConfigError } from './errors.js';

/**
 * What the router reads of an adapter's metadata: `adapter_id` is the vLLM model name it routes to; an adapter whose
 * `base_model.name` is not the served base model is never chosen; of several versions of one `adapter_id`, only the
 * newest (`adapter_version`) counts.
 */
export type RouterAdapter = Pick<AdapterMetadata, 'adapter_id' | 'task'> &
  Partial<Pick<AdapterMetadata, 'base_model' | 'adapter_version'>>;

/** Options of {@link createAdapterRouter}. */
export interface AdapterRouterOptions {
  /**
   * The base model vLLM serves, as adapters name it in `base_model.name` (a Hugging Face Hub id, compared ignoring
   * case): only adapters trained on it are chosen.
   */
  baseModel: string;
  /**
   * The `model` to send to vLLM when no adapter is confident enough: the name vLLM serves the base model under
   * (`--served-model-name`, e.g. `llama3-8b` for `meta-llama/Meta-Llama-3-8B-Instruct`).
   * @default baseModel
   */
  servedModelName?: string | undefined;
  /** Minimum confidence to pick an adapter. @default 0.5 (one unambiguous keyword) */
  threshold?: number | undefined;
  /** Locale for case folding and word segmentation. @default undefined (the runtime's default rules) */
  locale?: string | undefined;
  /** More compound members, beside the built-in German list and every rule keyword (e.g. `['verwaltung']`). */
  compoundParts?: readonly string[] | undefined;
  /** Stems that may be followed by any compound member, not only known ones. @default 6 (characters) */
  openTailMinLength?: number | undefined;
  /**
   * `route(text)` reads only the first this many characters of `text` (cut back to a whitespace so no word is
   * cut in two): the time to route grows with the text, and the start of a request names its subject.
   * @default 8192
   */
  maxTextLength?: number | undefined;
}

/** How a rule term met a query word. */
export interface RouteMatch {
  adapter: string;
  /** The rule term, as written in the metadata. */
  term: string;
  source: 'keyword' | 'domain' | 'type';
  /** The query word it matched, as written in the query. */
  word: string;
  /** `word`: whole word or word + inflection; `compound`: at the start of a compound member inside the word. */
  how: 'word' | 'compound';
}

/** What {@link AdapterRouter.route} returns. */
export interface RouteResult {
  /** The `model` to send to vLLM: an adapter name, or the base model's served name. */
  model: string;
  /** The chosen adapter, or null when falling back to the base model. */
  adapter: string | null;
  /** 0..1: share of the best score among all matches × (1 − 0.5^best score). */
  confidence: number;
  fallback: boolean;
  /** Why this model was chosen, in one sentence. */
  reason: string;
  matches: RouteMatch[];
  /** Score per adapter with any match, best first. */
  scores: { adapter: string; score: number }[];
}

/** Routes a request text to the adapter whose metadata it matches. */
export interface AdapterRouter {
  route(text: string): RouteResult;
}

interface Rule {
  adapter: string;
  term: string;
  source: RouteMatch['source'];
  weight: number;
  tokens: string[];
}

const WEIGHTS: Record<RouteMatch['source'], number> = { keyword: 1, domain: 1, type: 0.5 };
const MIN_PART = 3;
// Intl.Segmenter slows down with the square of its input on Node 20 (V8): 16k words take seconds. Pieces of this
// many characters keep segmenting linear in the text length.
const SEGMENT_PIECE = 1024;
const WHITESPACE = /\s/;

/** The end of `s.slice(from, from + max)`, moved back to just after a whitespace unless one word fills it all. */
function cutAtWhitespace(s: string, from: number, max: number): number {
  const end = from + max;
  if (end >= s.length) return s.length;
  for (let cut = end; cut > from; cut--) if (WHITESPACE.test(s[cut - 1] as string)) return cut;
  return end;
}

/**
 * Creates a router choosing among adapters by their metadata (`task.keywords`, `task.domain`, `task.type`). Only
 * adapters trained on `baseModel` are candidates (`base_model.name`, ignoring case; adapters without `base_model`
 * are taken as trained on it); when none fits, `model` is `servedModelName` (default `baseModel`), the name vLLM
 * serves the base model under.
 *
 * Matching: the text and the terms are NFC-normalised and lower-cased for the locale (ß folded to ss), and split
 * into words with `Intl.Segmenter`. A term matches a word when the word starts with it and the rest is an
 * inflection ("Genehmigungen", "rights", "environmental") or a compound member ("Bau|genehmigung",
 * "Recht|s|anwalt"); stems of at least `openTailMinLength` characters may be followed by any compound member
 * ("Genehmigungs|verfahren"). A term also matches inside a word when everything before it splits into known
 * compound members: "Baugenehmigung" matches "genehmigung" (after "bau"), "Bauchschmerzen" matches "schmerz"
 * (after "bauch"), while "gerecht" never matches "recht" and "Bauch" never matches "bau". Known members are the
 * built-in German list, every rule term and `compoundParts`.
 *
 * Only the first `maxTextLength` characters (default 8192) of a text are read.
 *
 * Several entries with one `adapter_id` are versions of one adapter (vLLM serves one per name): only the newest
 * `adapter_version` is used (a release before pre-releases, as npm's `latest`).
 *
 * Scoring: each distinct matched term adds its weight (keyword 1, domain 1, task type 0.5) to its adapter; terms
 * that fold to the same words ("Schmerz", "schmerz") are one term. The
 * confidence is `best / Σ scores × (1 − 0.5^best)`: one unambiguous keyword gives 0.5, two give 0.75, a tie
 * halves it. Below `threshold` the base model answers, and `reason` says why.
 * @example
 * const router = createAdapterRouter([legalMeta, medicalMeta], {
 *   baseModel: 'meta-llama/Meta-Llama-3-8B-Instruct', // what the adapters were trained on
 *   servedModelName: 'llama3-8b',                     // vllm serve … --served-model-name llama3-8b
 * });
 * const { model, reason } = router.route('Wie lange dauert eine Baugenehmigung?');
 * await vllm.chat({ model, messages });
 */
export function createAdapterRouter(adapters: readonly RouterAdapter[], options: AdapterRouterOptions): AdapterRouter {
  // Plain-JS callers get a message naming what is missing, not a TypeError from deep inside.
  if (typeof options?.baseModel !== 'string' || options.baseModel === '') {
    throw new VllmConfigError('VLLM_CONFIG_INVALID', 'createAdapterRouter: options.baseModel (the model the adapters were trained on, as vLLM serves it) is required');
  }
  adapters.forEach((a, i) => {
    if (typeof a?.adapter_id !== 'string' || typeof a.task !== 'object' || a.task === null) {
      throw new VllmConfigError('VLLM_CONFIG_INVALID', `createAdapterRouter: adapters[${i}] needs adapter_id and task (adapter metadata as adapter_metadata.json holds it)`);
    }
  });
  const locale = options.locale;
  const threshold = options.threshold ?? 0.5;
  const openTail = options.openTailMinLength ?? 6;
  const fallbackModel = options.servedModelName ?? options.baseModel;
  const maxTextLength = options.maxTextLength ?? 8192;
  const segmenter = new Intl.Segmenter(locale, { granularity: 'word' });
  const fold = (s: string) => s.normalize('NFC').toLocaleLowerCase(locale).replaceAll('ß', 'ss');
  const words = (s: string): { folded: string; original: string }[] => {
    const out: { folded: string; original: string }[] = [];
    const text = s.normalize('NFC');
    for (let at = 0; at < text.length; ) {
      const end = cutAtWhitespace(text, at, SEGMENT_PIECE);
      const segments = [...segmenter.segment(text.slice(at, end))];
      // Text without spaces (Chinese, Japanese, Thai) is cut mid-word: the piece's last segment may go on in the next
      // piece, so it is segmented again at the start of that one (unless it is the whole piece).
      const keep = end === text.length || segments.length < 2 ? segments.length : segments.length - 1;
      for (let i = 0; i < keep; i++) {
        const seg = segments[i] as Intl.SegmentData;
        if (seg.isWordLike === true) out.push({ folded: fold(seg.segment), original: seg.segment });
      }
      at = keep === segments.length ? end : at + (segments[keep] as Intl.SegmentData).index;
    }
    return out;
  };

  // An adapter is a LoRA delta of one base model; vLLM cannot apply it to another.
  const served = options.baseModel.toLowerCase();
  const newest = new Map<string, RouterAdapter>();
  for (const a of adapters) {
    if (a.base_model !== undefined && a.base_model.name.toLowerCase() !== served) continue;
    const seen = newest.get(a.adapter_id);
    if (seen === undefined || isNewerVersion(a.adapter_version, seen.adapter_version)) newest.set(a.adapter_id, a);
  }
  const rules: Rule[] = [];
  for (const a of newest.values()) {
    // A term counts once per adapter however often the metadata repeats it (as keyword and domain, or in two cases).
    const terms = new Set<string>();
    const add = (term: string | undefined, source: RouteMatch['source']) => {
      if (term === undefined) return;
      const tokens = words(term).map((w) => w.folded);
      const key = tokens.join(' ');
      if (tokens.length === 0 || terms.has(key)) return;
      terms.add(key);
      rules.push({ adapter: a.adapter_id, term, source, weight: WEIGHTS[source], tokens });
    };
    for (const k of a.task.keywords ?? []) add(k, 'keyword');
    add(a.task.domain, 'domain');
    add(a.task.type, 'type');
  }

  // Bucketed by first character so finding the members starting at a position scans only a few candidates.
  const parts = new Map<string, string[]>();
  const allParts = [...GERMAN_COMPOUND_PARTS, ...(options.compoundParts ?? []), ...rules.flatMap((r) => r.tokens)];
  for (const p of new Set(allParts.map(fold))) {
    if (p.length < MIN_PART) continue;
    const bucket = parts.get(p[0] as string) ?? [];
    bucket.push(p);
    parts.set(p[0] as string, bucket);
  }
  const partsAt = (word: string, at: number): string[] =>
    (parts.get(word[at] ?? '') ?? []).filter((p) => word.startsWith(p, at));

  /** Positions where a compound member may start: 0 and after every chain of known members (+ linking element). */
  const memberStarts = (word: string): boolean[] => {
    const starts = new Array<boolean>(word.length + 1).fill(false);
    starts[0] = true;
    for (let i = 0; i < word.length; i++) {
      if (!starts[i]) continue;
      for (const p of partsAt(word, i)) {
        const end = i + p.length;
        starts[end] = true;
        for (const link of LINKING_ELEMENTS) if (word.startsWith(link, end)) starts[end + link.length] = true;
      }
    }
    return starts;
  };

  const tailOk = (word: string, end: number, stemLength: number): boolean => {
    if (INFLECTIONS.has(word.slice(end))) return true;
    const heads = [end, ...LINKING_ELEMENTS.filter((l) => word.startsWith(l, end)).map((l) => end + l.length)];
    for (const h of heads) {
      if (partsAt(word, h).length > 0) return true;
      if (stemLength >= openTail && word.length - h >= 4) return true;
    }
    return false;
  };

  const matchWord = (word: string, starts: boolean[], token: string): RouteMatch['how'] | undefined => {
    for (let at = word.indexOf(token); at !== -1; at = word.indexOf(token, at + 1)) {
      if (!starts[at]) continue;
      if (tailOk(word, at + token.length, token.length)) return at === 0 ? 'word' : 'compound';
    }
    return undefined;
  };

  return {
    route(text: string): RouteResult {
      if (typeof text !== 'string') throw new TypeError(`route: expected the user's text as a string, got ${typeof text}`);
      const query = words(text.slice(0, cutAtWhitespace(text, 0, maxTextLength)));
      const starts = query.map((w) => memberStarts(w.folded));
      const matches: RouteMatch[] = [];
      const score = new Map<string, number>();
      for (const rule of rules) {
        for (let i = 0; i + rule.tokens.length <= query.length; i++) {
          let how = 'word' as RouteMatch['how'] | undefined;
          for (let j = 0; j < rule.tokens.length && how !== undefined; j++) {
            const m = matchWord(query[i + j]?.folded ?? '', starts[i + j] ?? [], rule.tokens[j] as string);
            how = m === undefined ? undefined : m === 'compound' || how === 'compound' ? 'compound' : 'word';
          }
          if (how === undefined) continue;
          const word = query.slice(i, i + rule.tokens.length).map((w) => w.original).join(' ');
          matches.push({ adapter: rule.adapter, term: rule.term, source: rule.source, word, how });
          score.set(rule.adapter, (score.get(rule.adapter) ?? 0) + rule.weight);
          break;
        }
      }
      const scores = [...score].map(([adapter, s]) => ({ adapter, score: s })).sort((a, b) => b.score - a.score);
      const best = scores[0];
      const fallback = (reason: string, confidence: number): RouteResult => ({
        model: fallbackModel, adapter: null, confidence, fallback: true, reason, matches, scores,
      });
      if (best === undefined) {
        return fallback(`no adapter keyword, domain or task type occurs in the text; the base model "${fallbackModel}" answers`, 0);
      }
      const total = scores.reduce((s, x) => s + x.score, 0);
      const confidence = Math.round((best.score / total) * (1 - 0.5 ** best.score) * 1000) / 1000;
      const evidence = matches
        .filter((m) => m.adapter === best.adapter)
        .map((m) => `${m.source} "${m.term}" in "${m.word}"${m.how === 'compound' ? ' (compound member)' : ''}`)
        .join(', ');
      if (confidence < threshold) {
        const rival = scores[1] !== undefined && scores[1].score === best.score ? ` (tied with "${scores[1].adapter}")` : '';
        return fallback(`best match "${best.adapter}" (${evidence})${rival} has confidence ${confidence} < threshold ${threshold}; the base model "${fallbackModel}" answers`, confidence);
      }
      return {
        model: best.adapter, adapter: best.adapter, confidence, fallback: false,
        reason: `"${best.adapter}": ${evidence}; confidence ${confidence}`, matches, scores,
      };
    },
  };
}
