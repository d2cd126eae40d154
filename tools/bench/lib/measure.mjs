// Measurement helpers shared by the benches: sequential latency samples,
// throughput with a fixed number of calls in flight, medians.

/** `n` sequential awaits of `call(payload)`: p50/p99 in µs. */
export async function sequential(call, payload, n) {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await call(payload);
    times[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  times.sort();
  return { p50: times[Math.floor(n * 0.5)], p99: times[Math.floor(n * 0.99)] };
}

/** `n` calls with `inflight` outstanding at any time: calls per second. */
export async function throughput(call, payload, n, inflight) {
  let issued = 0;
  const started = process.hrtime.bigint();
  const lane = async () => {
    while (issued < n) {
      issued++;
      await call(payload);
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
