/**
 * `node --import ./test/support/module-trace.ts …` records every module the
 * process resolves (ESM imports and CommonJS requires alike, through
 * `module.registerHooks`) and, at exit, writes the list as JSON to the file
 * named by MODULE_TRACE_OUT. Used to prove what `--help` and a bare
 * `import 'pylock-attest'` load, and what they do not (sigstore, undici).
 *
 * Plain node (type stripping): erasable TypeScript only.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env['MODULE_TRACE_OUT'];
const seen = new Set<string>();

registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    seen.add(result.url);
    return result;
  },
});

if (out) process.on('exit', () => writeFileSync(out, JSON.stringify([...seen])));
