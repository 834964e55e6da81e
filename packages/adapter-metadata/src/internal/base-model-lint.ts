import type { Issue } from './issue.js';

const LOCAL_PATH = /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:[\\/])|\\/;
const QUANTISED = /(?:-|_)(?:bnb-?4bit|bnb-?8bit|4bit|8bit|gptq|awq|gguf|int4|int8|fp8|nf4)(?:$|-|_)/i;
const HUB_ID = /^[A-Za-z0-9][\w.-]*(?:\/[\w.-]+)?$/;

/** True when `name` reads as a Hugging Face Hub model ID (`owner/name` or a legacy bare name like `gpt2`). */
export function isHubId(name: string): boolean {
  return HUB_ID.test(name) && !name.includes('..') && name.split('/').length <= 2;
}

/** Warnings about a base model reference that breaks Hub lineage or vLLM's adapter resolvers. */
export function lintBaseModel(name: string | null | undefined, pointer: string): Issue[] {
  if (name === null || name === undefined || name === '') {
    return [{
      code: 'base_model_missing',
      path: pointer,
      message: 'no base model is named; set it to the Hub ID the adapter was trained on so it can be served',
    }];
  }
  if (LOCAL_PATH.test(name) || !isHubId(name)) {
    return [{
      code: 'base_model_local_path',
      path: pointer,
      message: `"${name}" is a local path, not a Hub ID: Hub lineage breaks and vLLM only loads the adapter when the server was started with this exact path; use the Hub ID (e.g. "mistralai/Mistral-7B-v0.1")`,
    }];
  }
  if (QUANTISED.test(name)) {
    return [{
      code: 'base_model_quantized',
      path: pointer,
      message: `"${name}" is a quantised repository: vLLM serves the adapter only on that exact quantised model and Hub lineage points at the copy; name the original full-precision model if that is what serving uses`,
    }];
  }
  return [];
}
