/**
 * pylock-attest as a library, end to end (docs/api.md shows this file;
 * test/library-example.test.ts runs it against a local index).
 *
 *   node examples/library.ts <dir> [--index-url URL] [--trusted-root FILE]
 *
 * <dir> holds requirements.txt (exact pins, with --hash values) and
 * pylock.previous.toml (the lockfile of your last release, say).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PylockAttestError, check, diff, enrich, lock, type Finding } from 'pylock-attest';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'index-url': { type: 'string' }, 'trusted-root': { type: 'string' } },
});
const dir = positionals[0] ?? '.';
// What the CLI's --index-url and --trusted-root set. Leave both out to use PyPI and Sigstore.
const network = { indexUrl: values['index-url'], trustedRoot: values['trusted-root'] };

function show(findings: readonly Finding[]): void {
  for (const f of findings) {
    const what = f.subkind ? `${f.category}/${f.subkind}` : f.category;
    console.log(`  ${f.severity} ${what}: ${f.package} (line ${f.line}): ${f.message}`);
  }
}

try {
  // 1. lock: resolved requirements → pylock.toml, every file recorded, identities verified.
  const locked = await lock([join(dir, 'requirements.txt')], { ...network, output: join(dir, 'pylock.toml') });
  for (const pkg of locked.lockfiles[0]?.packages ?? []) {
    const who = pkg.identities.map((i) => `${i.kind} ${String(i['repository'] ?? i['email'])}`).join(', ');
    console.log(`lock: ${pkg.name} ${pkg.version ?? ''} ${pkg.status} ${who}`);
  }

  // 2. enrich: verify again and record what is new; dryRun computes everything and writes nothing.
  const enriched = await enrich([locked.output], { ...network, dryRun: true });
  console.log(`enrich: ${enriched.lockfiles[0]?.changed ? 'would change the file' : 'nothing to change'}`);

  // 3. check: does the index still prove what the lockfile records? Never writes.
  const checked = await check([locked.output], network);
  console.log(`check: exit ${checked.exitCode}, ${checked.summary.error} errors, ${checked.requests} requests`);

  // 4. diff, offline: what happened to the identities since an older lockfile?
  //    (From git: diff('git:HEAD:pylock.toml', 'pylock.toml').)
  const changes = await diff(join(dir, 'pylock.previous.toml'), locked.output);
  console.log(`diff: exit ${changes.exitCode}`);
  show(changes.findings);

  process.exitCode = Math.max(locked.exitCode, enriched.exitCode, checked.exitCode, changes.exitCode);
} catch (e) {
  // Usage and input errors (a missing file, a bad option) throw; per-package verdicts never do.
  if (!(e instanceof PylockAttestError)) throw e;
  console.error(e.describe());
  process.exitCode = 2;
}
