import { hash } from 'node:crypto';

const TWO_POW_52 = 2 ** 52;

/**
 * A deterministic number in [0, 1) for `id` under `seed`. Split, partition and shuffle all hash a stable id
 * rather than count positions, so a re-run, a reordered source or a partitioned run gives each record the same place.
 */
export function unitHash(seed: number | string, id: string): number {
  const hex = hash('md5', `${seed}\u0000${id}`, 'hex');
  return Number.parseInt(hex.slice(0, 13), 16) / TWO_POW_52;
}

/** SHA-256 of a string or buffer, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}
