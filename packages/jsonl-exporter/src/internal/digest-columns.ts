import type { SampleDigest } from '@lorakit/quality-metrics';

/**
 * Sample digests as numbers in a Float64Array, so batches of them cross threads as one buffer instead of one
 * structured-cloned object each: {@link DIGEST_WIDTH} numbers per digest (its format travels apart, as a string).
 */
export const DIGEST_WIDTH = 9;

/** Writes `digest`'s numbers at `at`. */
export function writeDigest(nums: Float64Array, at: number, digest: SampleDigest): void {
  nums[at] = digest.promptChars;
  nums[at + 1] = digest.responseChars;
  for (let i = 0; i < 4; i++) nums[at + 2 + i] = digest.key[i] as number;
  const conflict = digest.conflict;
  // -1 is no uint32: it marks a digest without conflict keys.
  nums[at + 6] = conflict === null ? -1 : conflict[0];
  nums[at + 7] = conflict === null ? 0 : conflict[1];
  nums[at + 8] = conflict === null ? 0 : conflict[2];
}

/** The digest written at `at` by {@link writeDigest}, with its format. */
export function readDigest(nums: Float64Array, at: number, format: SampleDigest['format']): SampleDigest {
  const key: [number, number, number, number] = [nums[at + 2] as number, nums[at + 3] as number, nums[at + 4] as number, nums[at + 5] as number];
  const hi = nums[at + 6] as number;
  return {
    format,
    promptChars: nums[at] as number,
    responseChars: nums[at + 1] as number,
    key,
    conflict: hi < 0 ? null : [hi, nums[at + 7] as number, nums[at + 8] as number],
  };
}
