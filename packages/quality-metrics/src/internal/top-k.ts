/**
 * Frequent items by Misra-Gries with batched decrements: exact while at most `2 * capacity` distinct keys were
 * seen; beyond that each count is a lower bound off by at most (total / capacity). Mergeable.
 */
export class TopK {
  counts = new Map<string, number>();
  total = 0;
  pruned = false;

  constructor(readonly capacity = 1000) {}

  add(key: string, weight = 1): void {
    this.total += weight;
    this.counts.set(key, (this.counts.get(key) ?? 0) + weight);
    if (this.counts.size > 2 * this.capacity) this.prune();
  }

  merge(other: TopK): void {
    const total = this.total + other.total;
    for (const [k, v] of other.counts) this.add(k, v);
    this.total = total;
    this.pruned ||= other.pruned;
  }

  top(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
  }

  private prune(): void {
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity]!;
    for (const [k, v] of this.counts) {
      if (v <= cut) this.counts.delete(k);
      else this.counts.set(k, v - cut);
    }
    this.pruned = true;
  }
}
