import { describe, expect, it } from 'vitest';
import { exact, marginPoints, pct, samplingNote } from './format.js';

describe('samplingNote', () => {
  it('states the measured count, the rate and the worst-case 95% margin 1.96·√(0.25/n)', () => {
    expect(samplingNote({ rate: 0.025, measured: 2481 }, 99_000)).toBe(
      'Measured on 2,481 of 99,000 valid samples (2.5% sample by content hash); shares are estimates (±2.0 percentage points at 95%)',
    );
    expect(marginPoints(400)).toBeCloseTo(4.9, 12);
    expect(samplingNote({ rate: 0.1, measured: 0 }, 3)).toMatch(/^Measured on 0 of 3 valid samples \(10\.0% sample by content hash\); no sample/);
  });

  it('is absent when every valid sample was measured', () => {
    expect(samplingNote({ rate: 1, measured: 10 }, 10)).toBeUndefined();
    expect(samplingNote(undefined, 10)).toBeUndefined();
  });
});

describe('gate values and percentages', () => {
  it('shows a gate value to 6 significant digits and never rounds a share up to 100%', () => {
    // Before: "actual 1" beside a failed complianceRate >= 0.999, and "100.0%" for 0.9996.
    expect(exact(2500 / 2503)).toBe('0.998801');
    expect(exact(0.004)).toBe('0.004');
    expect(exact(3)).toBe('3');
    expect(pct(0.9996)).toBe('99.96%');
    expect(pct(0.999999)).toBe('99.99%');
    expect(pct(1)).toBe('100.0%');
    expect(pct(0.5)).toBe('50.0%');
  });
});
