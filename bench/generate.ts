/**
 * Synthetic pylock.toml files, deterministic for given parameters: N
 * packages × F files (one sdist, F-1 wheels), alternating the two real
 * writer styles: uv's inline `sdist = {...}` / multi-line `wheels = [...]`,
 * and pip's `[[packages.wheels]]` tables with `[packages.wheels.hashes]`.
 *
 * Run by plain node (type stripping): erasable TypeScript only.
 */
import { createHash } from 'node:crypto';

export interface GeneratedFile {
  project: string;
  version: string;
  filename: string;
  sha256: string;
}

export interface GeneratedPackage {
  name: string;
  version: string;
  publisher: { kind: 'GitHub'; repository: string; workflow: string };
  files: GeneratedFile[];
}

/** Bump when the output changes, so cached fixtures are minted again. */
export const GENERATOR_VERSION = 1;

const PLATFORMS = [
  'manylinux_2_17_x86_64.manylinux2014_x86_64',
  'manylinux_2_17_aarch64.manylinux2014_aarch64',
  'musllinux_1_2_x86_64',
  'macosx_11_0_arm64',
  'win_amd64',
];
const PYTHONS = ['cp39', 'cp310', 'cp311', 'cp312', 'cp313'];

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function packages(count: number, filesPerPackage: number): GeneratedPackage[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `bench-pkg-${String(i).padStart(4, '0')}`;
    const version = `${1 + (i % 9)}.${i % 31}.${i % 7}`;
    const dist = name.replace(/-/g, '_');
    const filenames = [`${dist}-${version}.tar.gz`];
    for (let w = 0; filenames.length < filesPerPackage; w++) {
      const py = PYTHONS[Math.floor(w / PLATFORMS.length) % PYTHONS.length];
      const platform = PLATFORMS[w % PLATFORMS.length];
      const build = Math.floor(w / (PLATFORMS.length * PYTHONS.length));
      filenames.push(`${dist}-${version}-${build > 0 ? `${build}-` : ''}${py}-${py}-${platform}.whl`);
    }
    const files = filenames.map((filename) => ({ project: name, version, filename, sha256: sha256(`${name}/${filename}`) }));
    const publisher = { kind: 'GitHub' as const, repository: `bench-org-${i % 37}/${name}`, workflow: 'release.yml' };
    return { name, version, publisher, files };
  });
}

function fileUrl(f: GeneratedFile): string {
  const h = sha256(`url/${f.filename}`);
  return `https://files.pythonhosted.org/packages/${h.slice(0, 2)}/${h.slice(2, 4)}/${h.slice(4, 60)}/${f.filename}`;
}

const size = (f: GeneratedFile): number => 10_000 + (parseInt(f.sha256.slice(0, 6), 16) % 9_000_000);
const UPLOADED = 'upload-time = 2025-01-15T12:00:00.123456Z';

function header(p: GeneratedPackage, i: number): string[] {
  const deps = Array.from({ length: 10 }, (_, d) => {
    const dep = `name = "bench-pkg-${String((i + (d + 1) * 7) % 1000).padStart(4, '0')}"`;
    return d % 2 === 0 ? `{ ${dep} }` : `{ ${dep}, marker = "sys_platform == 'linux' and platform_machine == 'x86_64'" }`;
  });
  return [
    '[[packages]]',
    `name = "${p.name}"`,
    `version = "${p.version}"`,
    `marker = "python_full_version >= '3.9' and sys_platform != 'emscripten'"`,
    `requires-python = ">=3.9"`,
    `dependencies = [${deps.join(', ')}]`,
    `index = "https://pypi.org/simple"`,
  ];
}

/** uv: inline sdist, wheels as a multi-line array of inline tables. */
function uvStyle(p: GeneratedPackage, i: number): string {
  const [sdist, ...wheels] = p.files;
  const line = (f: GeneratedFile): string => `{ url = "${fileUrl(f)}", ${UPLOADED}, size = ${size(f)}, hashes = { sha256 = "${f.sha256}" } }`;
  return [...header(p, i), `sdist = ${line(sdist!)}`, 'wheels = [', ...wheels.map((w) => `    ${line(w)},`), ']', ''].join('\n');
}

/** pip: [packages.sdist] and [[packages.wheels]] tables with hashes sub-tables. */
function pipStyle(p: GeneratedPackage, i: number): string {
  const [sdist, ...wheels] = p.files;
  const table = (head: string, f: GeneratedFile): string[] => [
    head,
    `name = "${f.filename}"`,
    `url = "${fileUrl(f)}"`,
    UPLOADED,
    `size = ${size(f)}`,
    `${head.replace(/\[+|\]+/g, '')}.hashes`,
  ];
  const out = [...header(p, i), ''];
  for (const [head, f] of [['[packages.sdist]', sdist!] as const, ...wheels.map((w) => ['[[packages.wheels]]', w] as const)]) {
    const [h, ...body] = table(head, f);
    const hashesHeader = `[${body.pop()!}]`;
    out.push(h!, ...body, hashesHeader, `sha256 = "${f.sha256}"`, '');
  }
  return out.join('\n');
}

export function lockfileText(list: GeneratedPackage[]): string {
  const body = list.map((p, i) => (i % 2 === 0 ? uvStyle(p, i) : pipStyle(p, i)));
  return ['lock-version = "1.0"', 'requires-python = ">=3.9"', 'created-by = "pylock-attest bench"', '', ...body].join('\n');
}
