import { DDSketch } from '@datadog/sketches-js';

/** Relative accuracy of every length quantile: a reported quantile is within 1% of a true sample value. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
/** Histogram buckets: [0], [1], [2,3], [4,7], ... [2^31, inf). */
export const HISTOGRAM_BUCKETS = 34;

/** One length distribution: exact n/sum/min/max/histogram, DDSketch quantiles. Mergeable. */
export class LengthStats {
  n = 0;
  sum = 0;
  sumSq = 0;
  min = Infinity;
  max = -Infinity;
  histogram = new Float64Array(HISTOGRAM_BUCKETS);
  sketch = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });

  add(v: number): void {
    this.n++;
    this.sum += v;
    this.sumSq += v * v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.histogram[v === 0 ? 0 : Math.min(HISTOGRAM_BUCKETS - 1, 32 - Math.clz32(v))]! += 1;
    this.sketch.accept(v);
  }

  merge(o: LengthStats): void {
    if (o.n === 0) return;
    this.n += o.n;
    this.sum += o.sum;
    this.sumSq += o.sumSq;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.histogram[i]! += o.histogram[i]!;
    this.sketch.merge(o.sketch);
  }

  /**
   * The nearest-rank quantile: the ceil(q·n)-th smallest value (within the sketch's accuracy), so that p99 of five
   * values is the largest, not the fourth as the sketch's own rank q·(n−1) gives.
   */
  quantile(q: number): number {
    const rank = Math.max(1, Math.ceil(q * this.n - 1e-9));
    // The extreme ranks are known exactly: p99 of five values is the largest itself, not a bucket near it.
    if (rank >= this.n) return this.max;
    if (rank === 1) return this.min;
    const at = (rank - 1) / (this.n - 1);
    // The sketch returns a bucket's representative value, a length within 1%: rounded, as lengths are whole, and
    // clamped to the exact extremes.
    return Math.min(this.max, Math.max(this.min, Math.round(this.sketch.getValueAtQuantile(at))));
  }

  toJSON(): LengthStatsJson {
    return {
      n: this.n, sum: this.sum, sumSq: this.sumSq,
      min: this.n === 0 ? null : this.min, max: this.n === 0 ? null : this.max,
      histogram: [...this.histogram],
      sketch: Buffer.from(this.sketch.toProto()).toString('base64'),
    };
  }

  static fromJSON(j: LengthStatsJson): LengthStats {
    const s = new LengthStats();
    s.n = j.n;
    s.sum = j.sum;
    s.sumSq = j.sumSq;
    s.min = j.min ?? Infinity;
    s.max = j.max ?? -Infinity;
    if (j.histogram.length !== HISTOGRAM_BUCKETS) throw new Error(`histogram must have ${HISTOGRAM_BUCKETS} buckets`);
    s.histogram.set(j.histogram);
    if (j.n > 0) s.sketch.merge(DDSketch.fromProto(Buffer.from(j.sketch, 'base64')));
    return s;
  }
}

export interface LengthStatsJson {
  n: number;
  sum: number;
  sumSq: number;
  min: number | null;
  max: number | null;
  histogram: number[];
  sketch: string;
}
