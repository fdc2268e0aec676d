// Loaded with `node --import` into a measured process: at exit, writes the
// process's peak resident set size (getrusage ru_maxrss: every thread,
// worker threads included) to $BENCH_RSS_FILE. Plain JavaScript, so the
// measured process never loads Node's TypeScript stripper (+17 MiB RSS).
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const out = process.env.BENCH_RSS_FILE;
if (isMainThread && out) {
  process.on('exit', () => writeFileSync(out, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })));
}
