// temporary: set up a warm workspace and keep the index alive (not committed)
import { prepare, log } from './setup.ts';
import { enrichArgs, scratch } from './measures.ts';
import { runCli } from './processes.ts';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
const { env } = await prepare('manual');
for (const name of ['medium', 'large'] as const) {
  const lock = env.locks[name];
  const dir = scratch(env, name);
  const file = path.join(dir, 'pylock.toml');
  copyFileSync(lock.file, file);
  const cache = path.join(dir, 'cache');
  const args = enrichArgs(env, env.index, file, cache);
  const run = await runCli(args, { scratch: dir });
  log(`${name}: exit ${run.code} ${run.wallMs}ms`);
  writeFileSync(path.join(env.work, `${name}.args.json`), JSON.stringify(args));
}
log('ready');
await new Promise(() => {});
