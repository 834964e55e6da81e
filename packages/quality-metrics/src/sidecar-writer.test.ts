import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createQualityAccumulator } from './quality-accumulator.js';
import { openSidecarWriter } from './sidecar-writer.js';

describe('openSidecarWriter', () => {
  it('publishes samples.jsonl only on close, one record per line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-qm-sidecar-'));
    const path = join(dir, 'samples.jsonl');
    const sidecar = openSidecarWriter(path);
    const acc = createQualityAccumulator({ onSample: sidecar.write });
    for (let line = 1; line <= 3000; line++) acc.add({ prompt: 'q', completion: line % 2 ? 'same' : `answer ${line}` }, { line });
    expect(existsSync(path)).toBe(false);
    sidecar.close();
    const rows = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number; status: string; cluster?: number });
    expect(rows).toHaveLength(3000);
    expect(rows[2]).toEqual({ line: 3, status: 'duplicate', reasons: [{ code: 'exact_duplicate', value: 1, threshold: null }], cluster: 1 });
    expect(readdirSync(dir)).toEqual(['samples.jsonl']);
  });

  it('abort leaves nothing behind, and an unwritable directory is a coded error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-qm-sidecar-'));
    const w = openSidecarWriter(join(dir, 'samples.jsonl'));
    w.write({ line: 1, status: 'ok', reasons: [] });
    w.abort();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => openSidecarWriter('/nonexistent-dir/samples.jsonl')).toThrow(expect.objectContaining({ code: 'METRICS_WRITE_FAILED' }));
  });
});
