// Loaded with `node --import` into a profiled (never a measured) process:
// every 20 ms, the main thread's view of memory (process RSS, V8 heap by
// space, external and ArrayBuffer memory); at exit, the samples and the
// peak of each series go to $BENCH_MEMORY_FILE as JSON. A sample cannot be
// taken while the main thread is busy in one long synchronous step, so
// peaks there show as the first sample after it.
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const out = process.env.BENCH_MEMORY_FILE;
if (isMainThread && out) {
  const MiB = (x) => Math.round((x / 2 ** 20) * 10) / 10;
  const started = performance.now();
  const samples = [];
  const take = () => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, MiB(s.space_size)]));
    samples.push({
      t: Math.round(performance.now() - started),
      rss: MiB(m.rss),
      heapTotal: MiB(m.heapTotal),
      heapUsed: MiB(m.heapUsed),
      external: MiB(m.external),
      arrayBuffers: MiB(m.arrayBuffers),
      ...spaces,
    });
  };
  setInterval(take, 20).unref();
  process.on('exit', () => {
    take();
    const peak = {};
    for (const s of samples) for (const [k, v] of Object.entries(s)) if (k !== 't' && !(v <= (peak[k]?.value ?? -1))) peak[k] = { value: v, t: s.t };
    writeFileSync(out, JSON.stringify({ maxRssMiB: MiB(process.resourceUsage().maxRSS * 1024), peak, samples }));
  });
}
