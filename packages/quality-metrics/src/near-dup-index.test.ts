import { describe, expect, it } from 'vitest';
import { candidateProbability, createNearDupIndex } from './near-dup-index.js';
import { makeText, makeVocabulary, mulberry32 } from '../test/generate.js';

function shingles(words: string[], k = 5): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + k <= words.length; i++) out.add(words.slice(i, i + k).join(' '));
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

describe('createNearDupIndex', () => {
  it('finds a one-word edit and ignores an unrelated text', () => {
    const rand = mulberry32(7);
    const vocab = makeVocabulary(rand, 3000);
    const a = makeText(rand, vocab, 100);
    const b = [...a];
    b[50] = 'zzzz';
    const index = createNearDupIndex();
    expect(index.add(10, a.join(' '))).toBeUndefined();
    expect(index.add(11, makeText(rand, vocab, 100).join(' '))).toBeUndefined();
    const match = index.add(12, b.join(' '));
    expect(match?.duplicateOf).toBe(10);
    expect(match?.nearest).toBe(10);
    // True Jaccard: 91 shared 5-grams of 101 distinct = 0.90; 128 hashes estimate it within a few hundredths.
    expect(match?.similarity).toBeGreaterThan(0.8);
    expect(match?.similarity).toBeLessThan(1);
    expect(index.size).toBe(3);
  });

  it('is deterministic for a seed and ignores case and punctuation', () => {
    const text = 'The quick brown fox jumps over the lazy dog near the river bank today';
    const i1 = createNearDupIndex({ seed: 3 });
    i1.add(1, text);
    expect(i1.add(2, text.toUpperCase().replaceAll(' ', ' , '))).toEqual({ duplicateOf: 1, nearest: 1, similarity: 1 });
    expect(i1.add(3, '   ')).toBeUndefined();
    expect(i1.size).toBe(2);
  });

  // Three 200-word texts: B is A with 2 words replaced, C is B with 2 other words replaced (each change ≥ 5 words
  // from the others, so it breaks 5 shingles): J(A,B) = J(B,C) = 186/206 = 0.90 and J(A,C) = 176/216 = 0.81.
  function chain(): { a: string[]; b: string[]; c: string[] } {
    const rand = mulberry32(11);
    const vocab = makeVocabulary(rand, 5000);
    const a = makeText(rand, vocab, 200);
    const b = [...a];
    b[30] = 'xxbone';
    b[80] = 'xxbtwo';
    const c = [...b];
    c[130] = 'xxcone';
    c[170] = 'xxctwo';
    return { a, b, c };
  }

  it('addIfNew indexes only texts that are not near duplicates, so a dropped text is never matched', () => {
    const { a, b, c } = chain();
    expect(jaccard(shingles(a), shingles(b))).toBeCloseTo(186 / 206, 12);
    expect(jaccard(shingles(b), shingles(c))).toBeCloseTo(186 / 206, 12);
    expect(jaccard(shingles(a), shingles(c))).toBeCloseTo(176 / 216, 12);
    const index = createNearDupIndex({ threshold: 0.85 });
    expect(index.addIfNew(1, a.join(' '))).toBeUndefined();
    expect(index.addIfNew(2, b.join(' '))).toEqual({ duplicateOf: 1, nearest: 1, similarity: 186 / 206 });
    expect(index.size).toBe(1);
    // B was dropped: C is judged against A alone (J = 0.81 < 0.85) and kept.
    expect(index.find(c.join(' '))).toBeUndefined();
    expect(index.size).toBe(1);
    expect(index.addIfNew(3, c.join(' '))).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('add names the most similar indexed text with its exact similarity, and the cluster separately', () => {
    const { a, b, c } = chain();
    const index = createNearDupIndex({ threshold: 0.85 });
    index.add(1, a.join(' '));
    index.add(2, b.join(' '));
    // C's nearest is B (0.90, exact), not A (0.81); the cluster (transitive) is A's.
    expect(index.add(3, c.join(' '))).toEqual({ duplicateOf: 1, nearest: 2, similarity: 186 / 206 });
  });

  it('confirms candidates with the exact Jaccard: an estimate over the threshold is not enough', () => {
    // Pairs whose exact Jaccard straddles 0.85 (200 words, 2 or 3 separated changes: 0.90 or 0.86, or 4: 0.81 ...
    // with random positions, overlapping changes land anywhere in between).
    const rand = mulberry32(5);
    const vocab = makeVocabulary(rand, 20000);
    let estimateOnlyWrong = 0;
    let verifiedMatches = 0;
    for (let p = 0; p < 300; p++) {
      const a = makeText(rand, vocab, 200);
      const b = [...a];
      const changes = 2 + Math.floor(rand() * 3);
      for (let j = 0; j < changes; j++) b[Math.floor(rand() * b.length)] = vocab[Math.floor(rand() * vocab.length)]!;
      const exact = jaccard(shingles(a), shingles(b));
      const estimated = createNearDupIndex({ threshold: 0.85, verify: false, seed: p });
      estimated.add(1, a.join(' '));
      const guess = estimated.add(2, b.join(' '));
      if (guess !== undefined && exact < 0.85) estimateOnlyWrong++;
      const verified = createNearDupIndex({ threshold: 0.85, seed: p });
      verified.add(1, a.join(' '));
      const match = verified.add(2, b.join(' '));
      if (match !== undefined) {
        verifiedMatches++;
        expect(match.similarity).toBe(exact);
      }
      if (exact < 0.85) expect(match).toBeUndefined();
    }
    console.log(`exact verification: ${verifiedMatches} matches; the estimate alone passed ${estimateOnlyWrong} pairs under 0.85`);
    expect(estimateOnlyWrong).toBeGreaterThan(0);
    expect(verifiedMatches).toBeGreaterThan(50);
  });

  it('rejects inconsistent banding', () => {
    expect(() => createNearDupIndex({ numHashes: 100, bands: 16 })).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_OPTIONS' }));
  });

  it('computes the LSH S-curve', () => {
    expect(candidateProbability(0.8, 16, 8)).toBeCloseTo(1 - (1 - 0.8 ** 8) ** 16, 12);
    expect(candidateProbability(0.5, 16, 8)).toBeLessThan(0.07);
    expect(candidateProbability(0.9, 16, 8)).toBeGreaterThan(0.999);
  });

  it('reaches recall >= 0.95 and precision >= 0.99 on planted near duplicates', () => {
    const rand = mulberry32(42);
    const vocab = makeVocabulary(rand, 20000);
    const bases: string[][] = [];
    const docs: { words: string[]; source: number | undefined; hardNegativeOf?: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      const words = makeText(rand, vocab, 90 + Math.floor(rand() * 30));
      bases.push(words);
      docs.push({ words, source: undefined });
    }
    // Near duplicates: one phrase of 1-3 words rewritten ("a few words changed"); hard negatives: 15 scattered
    // substitutions (true Jaccard about 0.4), which must not be reported.
    const planted: number[] = [];
    for (let i = 0; i < 600; i++) {
      const src = Math.floor(rand() * bases.length);
      const words = [...bases[src]!];
      const n = 1 + Math.floor(rand() * 3);
      const at = Math.floor(rand() * (words.length - n));
      for (let j = 0; j < n; j++) words[at + j] = vocab[Math.floor(rand() * vocab.length)]!;
      planted.push(docs.length);
      docs.push({ words, source: src });
    }
    for (let i = 0; i < 300; i++) {
      const src = Math.floor(rand() * bases.length);
      const words = [...bases[src]!];
      for (let j = 0; j < 15; j++) words[Math.floor(rand() * words.length)] = vocab[Math.floor(rand() * vocab.length)]!;
      docs.push({ words, source: undefined, hardNegativeOf: src });
    }
    const index = createNearDupIndex();
    let truePositives = 0;
    let falsePositives = 0;
    const minPlantedJ = Math.min(
      ...planted.map((d) => jaccard(shingles(docs[d]!.words), shingles(bases[docs[d]!.source!]!))),
    );
    docs.forEach((doc, id) => {
      const match = index.add(id, doc.words.join(' '));
      if (match === undefined) return;
      const truth = doc.source;
      // A match is right when it names the planted source or another copy planted from the same source.
      const matchedSource = docs[match.duplicateOf]!.source ?? match.duplicateOf;
      if (truth !== undefined && matchedSource === truth) truePositives++;
      else falsePositives++;
    });
    const recall = truePositives / planted.length;
    const precision = truePositives / Math.max(1, truePositives + falsePositives);
    console.log(`near-dup quality: recall ${recall.toFixed(4)}, precision ${precision.toFixed(4)} ` +
      `(${planted.length} planted, min true Jaccard ${minPlantedJ.toFixed(3)}, ${falsePositives} false positives)`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(precision).toBeGreaterThanOrEqual(0.99);
  });
});
