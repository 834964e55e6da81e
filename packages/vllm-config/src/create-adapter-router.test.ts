import { describe, expect, it } from 'vitest';
import { createAdapterRouter, type RouterAdapter } from './index.js';

const adapters: RouterAdapter[] = [
  {
    adapter_id: 'legal-de',
    task: {
      type: 'question-answering', domain: 'recht',
      keywords: ['genehmigung', 'gesetz', 'gericht', 'klage', 'vertrag', 'anwalt', 'law', 'court', 'rights', 'contract'],
    },
  },
  {
    adapter_id: 'medical-de',
    task: {
      domain: 'medizin',
      keywords: ['arzt', 'schmerz', 'therapie', 'medikament', 'patient', 'diagnose', 'symptom', 'pain', 'medication'],
    },
  },
  {
    adapter_id: 'environment-en',
    task: {
      domain: 'environment',
      keywords: ['umwelt', 'emission', 'klima', 'wasser', 'lärm', 'abfall', 'pollution', 'climate', 'groundwater'],
    },
  },
];
const router = createAdapterRouter(adapters, { baseModel: 'llama3-8b' });
const model = (text: string) => router.route(text).model;

describe('createAdapterRouter: input', () => {
  it('names what is missing instead of failing with a TypeError from inside (plain-JS callers)', () => {
    expect(() => createAdapterRouter(adapters, {} as { baseModel: string })).toThrow(
      expect.objectContaining({ code: 'VLLM_CONFIG_INVALID', message: expect.stringContaining('options.baseModel') }),
    );
    expect(() => createAdapterRouter([{ adapter_id: 'x' } as RouterAdapter], { baseModel: 'b' })).toThrow('adapters[0] needs adapter_id and task');
    expect(() => router.route(42 as unknown as string)).toThrow("route: expected the user's text as a string, got number");
  });
});

describe('createAdapterRouter: base model', () => {
  it('never chooses an adapter trained on another base model', () => {
    const r = createAdapterRouter(
      [
        { adapter_id: 'legal-mistral', base_model: { name: 'mistralai/Mistral-7B-v0.1' }, task: { keywords: ['vertrag'] } },
        { adapter_id: 'legal-qwen', base_model: { name: 'qwen/qwen2.5-7b-instruct' }, task: { keywords: ['klage'] } },
      ],
      { baseModel: 'Qwen/Qwen2.5-7B-Instruct' },
    );
    const mistralOnly = r.route('Ist der Vertrag gültig?');
    expect(mistralOnly.model).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(mistralOnly.matches).toEqual([]);
    expect(r.route('Ich will Klage einreichen, ist der Vertrag gültig?').model).toBe('legal-qwen');
  });

  it('matches adapters by the Hub id and falls back to the name vLLM serves the base model under', () => {
    const r = createAdapterRouter(
      [{ adapter_id: 'legal-de', base_model: { name: 'meta-llama/Meta-Llama-3-8B-Instruct' }, task: { keywords: ['klage'] } }],
      { baseModel: 'meta-llama/Meta-Llama-3-8B-Instruct', servedModelName: 'llama3-8b' },
    );
    expect(r.route('Ich will Klage einreichen.').model).toBe('legal-de');
    const fallback = r.route('Wie wird das Wetter?');
    expect(fallback).toMatchObject({ model: 'llama3-8b', fallback: true });
    expect(fallback.reason).toContain('the base model "llama3-8b" answers');
  });
});

describe('createAdapterRouter: German compounds and word boundaries', () => {
  it('matches a keyword as a compound member: "Baugenehmigung" → genehmigung', () => {
    const r = router.route('Wie lange dauert eine Baugenehmigung in Bayern?');
    expect(r.model).toBe('legal-de');
    expect(r.matches).toContainEqual({ adapter: 'legal-de', term: 'genehmigung', source: 'keyword', word: 'Baugenehmigung', how: 'compound' });
    expect(r.reason).toContain('keyword "genehmigung" in "Baugenehmigung" (compound member)');
  });

  it('does not find "recht" in "gerecht" (the old system routed this to the legal adapter)', () => {
    const r = router.route('Ist diese Regelung gerecht?');
    expect(r.model).toBe('llama3-8b');
    expect(r.fallback).toBe(true);
    expect(r.matches).toEqual([]);
    expect(r.reason).toContain('no adapter keyword');
  });

  it('finds the stem at the word start with a linking element: "Rechtsanwalt" → recht, anwalt', () => {
    const r = router.route('Mein Rechtsanwalt hat Klage eingereicht.');
    expect(r.model).toBe('legal-de');
    expect(r.matches.map((m) => m.term).sort()).toEqual(['anwalt', 'klage', 'recht']);
    expect(r.confidence).toBeGreaterThan(0.8);
  });

  it('"Bauchschmerzen" is medical (schmerz after bauch), never "bau"-anything', () => {
    const router2 = createAdapterRouter([...adapters, { adapter_id: 'construction', task: { keywords: ['bau'] } }], { baseModel: 'b' });
    const r = router2.route('Ich habe seit Tagen Bauchschmerzen.');
    expect(r.model).toBe('medical-de');
    expect(r.matches.map((m) => m.adapter)).toEqual(['medical-de']);
    expect(router2.route('Der Bauantrag liegt vor').model).toBe('construction');
    // A short stem needs a known member after it: "vorhaben" is not in the built-in list until added.
    expect(router2.route('Das Bauvorhaben').matches).toEqual([]);
    const router3 = createAdapterRouter([{ adapter_id: 'construction', task: { keywords: ['bau'] } }], { baseModel: 'b', compoundParts: ['vorhaben'] });
    expect(router3.route('Das Bauvorhaben').model).toBe('construction');
  });

  it('inflected forms match; unrelated words with the stem inside do not ("gerichtet" is not "Gericht")', () => {
    expect(model('Das Gericht hat die Gesetze ausgelegt')).toBe('legal-de');
    expect(router.route('Der Pfeil ist nach oben gerichtet').matches).toEqual([]);
    expect(model('Welche Therapie hilft bei Kopfschmerzen?')).toBe('medical-de');
    expect(model('Wie hoch ist die Nitratbelastung im Grundwasser?')).toBe('environment-en');
  });

  it('folds case and Unicode normalisation: decomposed, upper-case "LÄRMSCHUTZ" matches "lärm"', () => {
    const r = router.route('Wer zahlt den LA\u0308RMSCHUTZ an der Autobahn?');
    expect(r.model).toBe('environment-en');
    expect(r.matches[0]).toMatchObject({ term: 'lärm', word: 'LÄRMSCHUTZ' });
    expect(model('Die Straße ist laut')).toBe('llama3-8b');
  });
});

describe('createAdapterRouter: English', () => {
  it('routes legal, medical and environmental questions', () => {
    expect(model('Is this court ruling appealable?')).toBe('legal-de');
    expect(model("The patient's symptoms include chest pain")).toBe('medical-de');
    expect(model('Does the new factory increase groundwater pollution?')).toBe('environment-en');
    expect(model('What are my rights under this contract?')).toBe('legal-de');
  });

  it('does not match inside unrelated words: courtyard, painting', () => {
    expect(router.route('The courtyard needs painting').matches).toEqual([]);
  });
});

describe('createAdapterRouter: confidence, threshold and fallback', () => {
  it('falls back to the base model on a tie and says so', () => {
    const r = router.route('Umweltrecht');
    expect(r.scores.map((s) => s.score)).toEqual([1, 1]);
    expect(r.fallback).toBe(true);
    expect(r.model).toBe('llama3-8b');
    expect(r.confidence).toBe(0.25);
    expect(r.reason).toMatch(/tied with .* has confidence 0\.25 < threshold 0\.5/);
  });

  it('a lower threshold accepts weaker evidence; a task type alone is weak', () => {
    expect(createAdapterRouter(adapters, { baseModel: 'b', threshold: 0.2 }).route('Umweltrecht').fallback).toBe(false);
    const typeOnly = router.route('question answering please');
    expect(typeOnly.matches.map((m) => m.source)).toEqual(['type']);
    expect(typeOnly.fallback).toBe(true);
  });

  it('more distinct evidence raises confidence', () => {
    const one = router.route('Ich brauche einen Anwalt').confidence;
    const two = router.route('Ich brauche einen Anwalt für die Klage').confidence;
    expect(one).toBe(0.5);
    expect(two).toBe(0.75);
  });

  it('extra compound members extend the lexicon', () => {
    expect(router.route('Verwaltungsgericht').matches).toEqual([]);
    const extended = createAdapterRouter(adapters, { baseModel: 'b', compoundParts: ['verwaltung'] });
    expect(extended.route('Verwaltungsgericht').model).toBe('legal-de');
  });
});

describe('createAdapterRouter: versions and repeated terms', () => {
  const legal: RouterAdapter = { adapter_id: 'legal', task: { keywords: ['anwalt'] } };

  it('routes on the newest version of an adapter only, so versions do not add up', () => {
    const med = (version: string, keywords: string[]): RouterAdapter => ({ adapter_id: 'med', adapter_version: version, task: { keywords } });
    const r = createAdapterRouter([med('1.0.0', ['schmerz']), med('1.1.0', ['schmerz']), legal], { baseModel: 'b' });
    const tie = r.route('Mein Anwalt hat Kopfschmerzen');
    expect(tie.scores).toEqual([{ adapter: 'med', score: 1 }, { adapter: 'legal', score: 1 }]);
    expect(tie).toMatchObject({ model: 'b', fallback: true, confidence: 0.25 });
    // 1.10.0 is newer than 1.9.0 (semver, not string order); a pre-release counts only while there is no release.
    const newest = createAdapterRouter([med('1.10.0', ['therapie']), med('1.9.0', ['schmerz']), med('2.0.0-rc.1', ['arzt'])], { baseModel: 'b' });
    expect(newest.route('Kopfschmerzen beim Arzt').matches).toEqual([]);
    expect(newest.route('Welche Therapie?').model).toBe('med');
    expect(createAdapterRouter([med('2.0.0-rc.1', ['arzt'])], { baseModel: 'b' }).route('beim Arzt').model).toBe('med');
  });

  it('counts a term once however often the metadata repeats it: one keyword gives 0.5', () => {
    const r = createAdapterRouter([{ adapter_id: 'med', task: { domain: 'schmerz', keywords: ['schmerz', 'Schmerz'] } }], { baseModel: 'b' });
    const one = r.route('Ich habe Kopfschmerzen');
    expect(one.matches).toHaveLength(1);
    expect(one.scores).toEqual([{ adapter: 'med', score: 1 }]);
    expect(one.confidence).toBe(0.5);
  });
});

describe('createAdapterRouter: bounded text', () => {
  it('reads only the first maxTextLength characters (default 8192), so routing time is bounded', () => {
    const filler = 'Wetter '.repeat(1200); // 8400 characters
    expect(router.route(`Anwalt ${filler}`).model).toBe('legal-de');
    expect(router.route(`${filler}Anwalt`).matches).toEqual([]);
    const long = createAdapterRouter(adapters, { baseModel: 'b', maxTextLength: 10_000 });
    expect(long.route(`${filler}Anwalt`).model).toBe('legal-de');
  });

  it('cuts the text back to a whitespace, never inside a word', () => {
    // Cut at 17 characters "Klagenfurt" would become "Klage", a keyword.
    const r = createAdapterRouter(adapters, { baseModel: 'b', maxTextLength: 17 });
    expect(r.route('Mein Anwalt Klagenfurt').matches.map((m) => m.term)).toEqual(['anwalt']);
  });

  it('finds words across the pieces the text is segmented in', () => {
    // "Rechtsanwalt" spans characters 1022..1034, across the first 1024-character piece.
    const r = router.route(`${'Wetter '.repeat(146)}Rechtsanwalt`);
    expect(r.matches.map((m) => [m.term, m.word]).sort()).toEqual([['anwalt', 'Rechtsanwalt'], ['recht', 'Rechtsanwalt']]);
  });

  it('finds a word that a piece cuts in two in text without spaces', () => {
    const zh = createAdapterRouter([{ adapter_id: 'legal-zh', task: { keywords: ['合同'] } }], { baseModel: 'b', locale: 'zh' });
    const filler = '今天天气很好我们去公园散步'.repeat(80);
    // 合同 at every offset around the 1024-character piece boundary, and a run of 1,000+ characters joined by commas.
    for (const cut of [1020, 1022, 1023, 1024, 1025]) {
      expect(zh.route(`${filler.slice(0, cut)}合同有问题`).adapter, String(cut)).toBe('legal-zh');
    }
    const latin = createAdapterRouter([{ adapter_id: 'abc', task: { keywords: ['abc'] } }], { baseModel: 'b' });
    expect(latin.route(`zz${'y'.repeat(1019)},abc`).matches.map((m) => m.word)).toEqual(['abc']);
  });
});
