import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QualityMetricsError } from './errors.js';

/** Counts tokens; token metrics use it when given. */
export interface Tokenizer {
  /** Number of tokens of `text`, without special tokens. */
  count(text: string): number;
  /** Shown in the report's options (e.g. the model directory). */
  readonly name?: string;
  /**
   * What identifies it across processes and machines: accumulator states and merges compare it (else the name), so
   * token counts of two tokenizers never mix. loadTokenizer: the SHA-256 of tokenizer.json.
   */
  readonly id?: string;
}

interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
}

async function readJson(path: string, required: boolean): Promise<{ json: unknown; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === 'ENOENT') return { json: {}, text: '' };
    throw new QualityMetricsError('METRICS_TOKENIZER_NOT_FOUND', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return { json: JSON.parse(text) as unknown, text };
  } catch (cause) {
    throw new QualityMetricsError('METRICS_TOKENIZER_INVALID', `${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Loads a Hugging Face `tokenizer.json` (and `tokenizer_config.json` if present) from a local directory, offline,
 * through the optional peer dependency `@huggingface/tokenizers` (pure JavaScript). Nothing is downloaded.
 *
 * @throws QualityMetricsError `METRICS_DEPENDENCY_MISSING` when `@huggingface/tokenizers` is not installed,
 * `METRICS_TOKENIZER_NOT_FOUND` / `METRICS_TOKENIZER_INVALID` for a missing or unusable file.
 * @example
 * const tokenizer = await loadTokenizer('./models/qwen2.5-0.5b');
 * const acc = createQualityAccumulator({ tokenizer, maxSeqLen: 4096 });
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  let mod: { Tokenizer: new (tokenizer: object, config: object) => HfTokenizer };
  try {
    mod = (await import('@huggingface/tokenizers')) as unknown as typeof mod;
  } catch (cause) {
    throw new QualityMetricsError(
      'METRICS_DEPENDENCY_MISSING',
      'token metrics need the optional package @huggingface/tokenizers: npm install @huggingface/tokenizers',
      { cause },
    );
  }
  const file = join(dir, 'tokenizer.json');
  const { json, text } = await readJson(file, true);
  const { json: config } = await readJson(join(dir, 'tokenizer_config.json'), false);
  let hf: HfTokenizer;
  try {
    hf = new mod.Tokenizer(json as object, config as object);
  } catch (cause) {
    throw new QualityMetricsError('METRICS_TOKENIZER_INVALID', `${file}: ${(cause as Error).message}`, { cause });
  }
  return {
    name: dir,
    id: `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
    count(text: string): number {
      return hf.encode(text, { add_special_tokens: false }).ids.length;
    },
  };
}
