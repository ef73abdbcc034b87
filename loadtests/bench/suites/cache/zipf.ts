// Zipf(s) key popularity over n keys: a seeded sampler (inverse CDF, binary search) and the
// hit ratio of the ideal static cache holding the top k keys. Pure.

export function zipfSampler(n: number, s: number, seed = 42): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: fast, repeatable, good enough for load shapes
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Share of requests for the k most popular of n keys: the best any k-entry cache can do. */
export function idealHitRatio(n: number, k: number, s: number): number {
  let top = 0;
  let all = 0;
  for (let i = 1; i <= n; i++) {
    const w = 1 / Math.pow(i, s);
    all += w;
    if (i <= k) top += w;
  }
  return top / all;
}
