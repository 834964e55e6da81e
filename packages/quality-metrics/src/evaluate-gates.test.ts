import { describe, expect, it } from 'vitest';
import { checkGates, evaluateGates, reportMetrics } from './evaluate-gates.js';
import { createQualityAccumulator } from './quality-accumulator.js';

function report() {
  const acc = createQualityAccumulator();
  acc.add({ prompt: 'a', completion: 'b' }, { line: 1 });
  acc.add({ prompt: 'a', completion: 'b' }, { line: 2 });
  acc.add({ prompt: 'c', completion: 'd' }, { line: 3, issues: [{ code: 'required', path: '/x', message: 'm' }] });
  acc.add({ prompt: 'e', completion: 'f g h' }, { line: 4 });
  return acc.report();
}

describe('evaluateGates', () => {
  it('passes and fails gates given as strings and objects', () => {
    const r = report();
    const result = evaluateGates(r, ['complianceRate >= 0.75', 'exactDuplicateRate <= 0.05', { metric: 'maxResponseWords', op: '<', value: 10 }]);
    expect(result.passed).toBe(false);
    expect(result.results.map((g) => [g.gate, g.actual, g.passed])).toEqual([
      ['complianceRate >= 0.75', 0.75, true],
      ['exactDuplicateRate <= 0.05', 1 / 3, false],
      ['maxResponseWords < 10', 3, true],
    ]);
    expect(result.failed.map((g) => g.metric)).toEqual(['exactDuplicateRate']);
  });

  it('fails a gate on a metric that was not measured instead of passing it', () => {
    const result = evaluateGates(report(), ['p99ResponseTokens <= 4096']);
    expect(result.failed[0]).toMatchObject({ actual: null, passed: false, reason: 'not measured' });
  });

  it('rejects unknown metrics and malformed gates with coded errors', () => {
    const r = report();
    expect(() => evaluateGates(r, ['complianceRat >= 0.9'])).toThrow(
      expect.objectContaining({ code: 'METRICS_UNKNOWN_GATE_METRIC', message: expect.stringContaining('complianceRate') }),
    );
    expect(() => evaluateGates(r, ['complianceRate => 0.9'])).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_GATE' }));
    expect(() => evaluateGates(r, [{ metric: 'samples', op: '~' as '<', value: 1 }])).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_GATE' }));
  });

  it('takes PII rates of a sampled report over the measured samples', () => {
    const acc = createQualityAccumulator({ sampleRate: 0.5 });
    for (let line = 1; line <= 400; line++) acc.add({ prompt: `q${line}`, completion: line % 4 ? `ok ${line}` : `mail ${line}@example.org` }, { line });
    const r = acc.report();
    const metrics = reportMetrics(r);
    const email = r.pii.byType.find((t) => t.type === 'email')!.samples;
    expect(r.sampling!.measured).toBeLessThan(r.counts.valid);
    expect(metrics.get('piiEmailRate')).toBeCloseTo(email / r.sampling!.measured, 12);
    expect(metrics.get('piiRate')).toBeCloseTo(email / r.sampling!.measured, 12);
  });

  it('names every documented metric family', () => {
    const names = [...reportMetrics(report()).keys()];
    for (const n of ['p99ResponseTokens', 'meanPromptChars', 'distinct2Response', 'wordRepetitionRate', 'piiEmailRate', 'nearDuplicateRate', 'overMaxSeqLenRate']) {
      expect(names).toContain(n);
    }
  });
});

describe('checkGates', () => {
  it('refuses a malformed gate or an unknown metric before anything is measured, and passes good ones', () => {
    expect(() => checkGates(['complianceRate >= 0.99', 'p99ResponseTokens <= 4096', 'nearDuplicateRate < 0.1'])).not.toThrow();
    expect(() => checkGates(['complianceRat >= 0.99'])).toThrow(expect.objectContaining({ code: 'METRICS_UNKNOWN_GATE_METRIC' }));
    expect(() => checkGates(['nonsense !!'])).toThrow(expect.objectContaining({ code: 'METRICS_INVALID_GATE' }));
    expect(() => checkGates([])).not.toThrow();
  });
});
