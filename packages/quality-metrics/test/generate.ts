// Seeded generators for tests and the benchmark's shape: synthetic words so no corpus has to be shipped.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vel', 'or', 'pin', 'da', 'ex', 'qu', 'bri', 'no', 'ta', 'fe'];

// At most 16^2 + 16^3 + 16^4 = 69888 distinct words.
export function makeVocabulary(rand: () => number, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

export function makeText(rand: () => number, vocab: string[], words: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocab[Math.floor(rand() * vocab.length)]!);
  return out;
}
