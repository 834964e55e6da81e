import { open } from 'node:fs/promises';
import { VllmConfigError } from './errors.js';

/** One tensor entry of a safetensors header. */
export interface SafetensorsTensor {
  /** Tensor name, e.g. `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`. */
  name: string;
  /** safetensors dtype tag, e.g. `F16`, `BF16`, `F32`. */
  dtype: string;
  /** Dimensions; `lora_A` weights are `[r, in]`, `lora_B` weights `[out, r]`. */
  shape: number[];
  /** Byte range of the data relative to the end of the header. */
  dataOffsets: [number, number];
}

/** The parsed header of a `.safetensors` file. */
export interface SafetensorsHeader {
  /** Tensors in file order of their data. */
  tensors: SafetensorsTensor[];
  /** The free-form `__metadata__` string map (e.g. `{ format: 'pt' }`). */
  metadata: Record<string, string>;
}

// Bytes per element; F8 types and bool are one byte each.
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4,
  F64: 8, I64: 8, U64: 8,
};

// The safetensors reference implementation refuses larger headers, so a larger length means a corrupt file.
const MAX_HEADER_BYTES = 100_000_000;

function invalid(path: string, message: string, cause?: unknown): VllmConfigError {
  return new VllmConfigError('VLLM_SAFETENSORS_INVALID', `${path}: ${message}`, cause === undefined ? undefined : { cause });
}

/**
 * Reads the header of a `.safetensors` file (an 8-byte little-endian length, then that many bytes of JSON) and
 * checks every entry against the file size. Tensor data is never read, so this is cheap for any file size.
 * @throws VllmConfigError `VLLM_ADAPTER_UNREADABLE` (I/O) or `VLLM_SAFETENSORS_INVALID` (malformed header).
 * @example
 * const { tensors } = await readSafetensorsHeader('adapter/adapter_model.safetensors');
 * for (const t of tensors) console.log(t.name, t.shape);
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new VllmConfigError('VLLM_ADAPTER_UNREADABLE', `cannot open ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const { size } = await handle.stat();
    if (size < 8) throw invalid(path, `file is ${size} bytes, shorter than the 8-byte header length`);
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const declared = prefix.readBigUInt64LE(0);
    if (declared > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
      throw invalid(path, `header length ${declared} exceeds the file (${size} bytes) or the 100 MB limit`);
    }
    const length = Number(declared);
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, 8);
    if (bytesRead !== length) throw invalid(path, `header is ${bytesRead} bytes, expected ${length}`);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (cause) {
      throw invalid(path, `header is not UTF-8 JSON: ${(cause as Error).message}`, cause);
    }
    return parseHeader(path, json, size - 8 - length);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'VLLM_SAFETENSORS_INVALID') throw error;
    throw new VllmConfigError('VLLM_ADAPTER_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
}

function parseHeader(path: string, json: unknown, dataBytes: number): SafetensorsHeader {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(path, 'header is not a JSON object');
  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      // The library reads __metadata__ as an optional string-to-string map (`Option<BTreeMap<String, String>>`):
      // null is no metadata, anything else but such a map is refused.
      if (entry === null) continue;
      if (typeof entry !== 'object' || Array.isArray(entry)) throw invalid(path, '__metadata__ is not a JSON object of strings');
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') throw invalid(path, `__metadata__ "${key}" is ${JSON.stringify(value)}, not a string`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const width = typeof e.dtype === 'string' ? DTYPE_BYTES[e.dtype] : undefined;
    if (width === undefined) throw invalid(path, `tensor "${name}" has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw invalid(path, `tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw invalid(path, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = (e.shape as number[]).reduce((a, d) => a * d, 1) * width;
    if (end < begin || end > dataBytes || end - begin !== expected) {
      throw invalid(path, `tensor "${name}" data_offsets [${begin}, ${end}] do not fit its ${e.dtype} ${JSON.stringify(e.shape)} shape (${expected} bytes) within ${dataBytes} data bytes`);
    }
    tensors.push({ name, dtype: e.dtype as string, shape: e.shape as number[], dataOffsets: [begin, end] });
  }
  // As the library (Metadata::validate): sorted by offsets, each tensor starts where the previous one ended, and the
  // last one ends at the end of the file; a gap, an overlap or trailing bytes make safe_open (and so vLLM) refuse it.
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let next = 0;
  for (const t of tensors) {
    const [begin] = t.dataOffsets;
    if (begin !== next) {
      throw invalid(path, `tensor "${t.name}" data starts at offset ${begin} but the previous tensor ends at ${next}: ${begin > next ? `${begin - next} bytes of gap` : 'overlapping data'}; safetensors requires contiguous tensor data`);
    }
    next = t.dataOffsets[1];
  }
  if (next !== dataBytes) {
    throw invalid(path, `tensor data ends at offset ${next} but the file holds ${dataBytes} data bytes: ${dataBytes - next} trailing bytes; safetensors requires the last tensor to end the file`);
  }
  return { tensors, metadata };
}
