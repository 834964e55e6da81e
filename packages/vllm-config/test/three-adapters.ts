import type { ServeConfigInput } from '../src/index.js';

/** The README's three-adapter deployment: one path needs the JSON form, one carries a base_model_name. */
export const threeAdapters = {
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  servedModelName: 'llama3-8b',
  vllmVersion: '0.11.0',
  maxModelLen: 8192,
  adapters: [
    { name: 'legal-de', path: '/adapters/legal-de', rank: 16 },
    { name: 'medical-de', path: '/adapters/medical-de', rank: 64, baseModelName: 'llama3-8b' },
    { name: 'environment-en', path: '/adapters/run=3/environment-en', rank: 24 },
  ],
} satisfies ServeConfigInput;

/**
 * Parses `vllm serve` argv the way vLLM's argparse does for these flags: `--flag` then every following word up
 * to the next `--flag`; a repeated flag replaces the earlier value (why --lora-modules must be given once).
 */
export function parseArgv(args: readonly string[]): { model: string | undefined; flags: Map<string, string[]>; counts: Map<string, number> } {
  const flags = new Map<string, string[]>();
  const counts = new Map<string, number>();
  let model: string | undefined;
  let current: string[] | undefined;
  for (const word of args) {
    if (word.startsWith('--')) {
      const name = word.slice(2);
      current = [];
      flags.set(name, current);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    } else if (current === undefined) {
      model = word;
    } else {
      current.push(word);
    }
  }
  return { model, flags, counts };
}
