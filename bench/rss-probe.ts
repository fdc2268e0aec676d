/**
 * Loaded with `node --import` into a measured CLI run: at exit, writes the
 * process's peak resident set size (getrusage maxrss, covering every
 * thread) to $BENCH_RSS_FILE. No product code knows about it.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const out = process.env['BENCH_RSS_FILE'];
if (isMainThread && out !== undefined) {
  process.on('exit', () => writeFileSync(out, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })));
}
