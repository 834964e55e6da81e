import type { Issue } from './issue.js';

// Module names PEFT users target across the common architectures (Llama/Mistral/Qwen/Gemma, Phi, GPT-2,
// GPT-NeoX, Falcon, OPT/BART, T5, ChatGLM, Mixtral, ViT/CLIP towers). Used only to recognise a name glued from two.
const KNOWN_MODULES = new Set([
  'q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'qkv_proj', 'gate_up_proj',
  'out_proj', 'in_proj', 'fc1', 'fc2', 'fc_in', 'fc_out', 'c_attn', 'c_proj', 'c_fc', 'query_key_value', 'dense',
  'dense_h_to_4h', 'dense_4h_to_h', 'Wqkv', 'query', 'key', 'value', 'wi', 'wo', 'wi_0', 'wi_1',
  'w1', 'w2', 'w3', 'lm_head', 'embed_tokens', 'qkv', 'proj', 'linear_fc1', 'linear_fc2', 'attn.proj',
  'self_attention.dense', 'mlp.dense', 'x_proj', 'dt_proj',
]);

const PLACEHOLDER = /^(?:x{2,}|y{2,}|z{2,}|foo|bar|baz|todo|tbd|fixme|placeholder|dummy|example|changeme|module|module_name|your_module|\.{2,}|…|<[^>]*>|\{[^}]*\})$/i;

// Both halves must be at least this long so T5's one-letter names (q, k, v, o) never make a false match.
const MIN_PART = 3;

function lastSegment(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name : name.slice(dot + 1);
}

function gluedParts(name: string, known: ReadonlySet<string>): [string, string] | undefined {
  for (let i = MIN_PART; i <= name.length - MIN_PART; i += 1) {
    const head = name.slice(0, i);
    const tail = name.slice(i);
    if (known.has(head) && known.has(tail)) return [head, tail];
  }
  return undefined;
}

/**
 * Warnings for a module-name list as people really write it: the same name twice, a placeholder left in, or
 * two names glued together by a missing comma (`"v_projo_proj"`).
 */
export function lintModuleNames(names: readonly string[], pointer: string): Issue[] {
  const warnings: Issue[] = [];
  const seen = new Map<string, number>();
  const known = new Set(KNOWN_MODULES);
  for (const name of names) known.add(lastSegment(name));

  names.forEach((name, index) => {
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
    } else {
      warnings.push({
        code: 'duplicate_module',
        path: `${pointer}/${index}`,
        message: `"${name}" is listed again (first at index ${first}); remove the duplicate`,
      });
      return;
    }
    if (PLACEHOLDER.test(name)) {
      warnings.push({
        code: 'placeholder_module',
        path: `${pointer}/${index}`,
        message: `"${name}" looks like a placeholder, not a module name; replace it or remove it`,
      });
      return;
    }
    const leaf = lastSegment(name);
    if (KNOWN_MODULES.has(leaf)) return;
    // Other entries of the list count as known names, but an entry must not split against itself.
    known.delete(leaf);
    const parts = gluedParts(leaf, known);
    known.add(leaf);
    if (parts !== undefined) {
      warnings.push({
        code: 'glued_module_name',
        path: `${pointer}/${index}`,
        message: `"${name}" looks like "${parts[0]}" and "${parts[1]}" glued together (a missing comma?); list them separately`,
      });
    }
  });
  return warnings;
}
