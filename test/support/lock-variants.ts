/**
 * Makes variants of real lockfiles for audit tests: the same file with a
 * package's `[[packages.attestation-identities]]` replaced, removed or
 * written with raw values (`environment = ""`), by line edits that keep
 * every other byte. Works on the three interop shapes (the spec's indented
 * tables, uv's inline tables, pip's sub-tables).
 *
 * Erasable TypeScript, no imports from src (runs under plain node too).
 */

export type RawIdentity = Record<string, string>;

interface Block {
  start: number;
  /** Exclusive: the first line after the package's last statement. */
  end: number;
}

const isHeader = (line: string): boolean => line.trimStart().startsWith('[');
const isPackageHeader = (line: string): boolean => line.trim() === '[[packages]]';
const isOwnHeader = (line: string): boolean => /^\s*\[\[?packages\./.test(line);
const isIdentityHeader = (line: string): boolean => line.trim() === '[[packages.attestation-identities]]';

function blocks(lines: string[]): Array<Block & { name: string }> {
  const out: Array<Block & { name: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!isPackageHeader(lines[i]!)) continue;
    let end = i + 1;
    while (end < lines.length && !isPackageHeader(lines[end]!) && !(isHeader(lines[end]!) && !isOwnHeader(lines[end]!))) end++;
    while (end > i + 1 && lines[end - 1]!.trim() === '') end--;
    const nameLine = lines.slice(i + 1, end).find((l) => /^\s*name\s*=/.test(l)) ?? '';
    const name = /=\s*["']([^"']+)["']/.exec(nameLine)?.[1] ?? '';
    out.push({ start: i, end, name });
  }
  return out;
}

function render(identity: RawIdentity, indent: string): string[] {
  return [`${indent}[[packages.attestation-identities]]`, ...Object.entries(identity).map(([k, v]) => `${indent}${k} = ${JSON.stringify(v)}`)];
}

/** The lockfile with `name`'s identities replaced by `identities` (`[]` removes them). Every other line is kept. */
export function withIdentities(text: string, name: string, identities: RawIdentity[]): string {
  const lines = text.split('\n');
  const block = blocks(lines).find((b) => b.name === name);
  if (!block) throw new Error(`no package ${name}`);
  const body = lines.slice(block.start, block.end);
  const kept: string[] = [];
  let skipping = false;
  for (const line of body) {
    if (isIdentityHeader(line)) skipping = true;
    else if (skipping && isHeader(line)) skipping = false;
    if (!skipping) kept.push(line);
  }
  while (kept.length > 1 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const indent = /^(\s*)\[\[packages\./.exec(body.find(isOwnHeader) ?? '')?.[1] ?? '';
  const added = identities.flatMap((id) => ['', ...render(id, indent)]);
  return [...lines.slice(0, block.start), ...kept, ...added, ...lines.slice(block.end)].join('\n');
}

/** The lockfile with one more package appended (sdist only), optionally with identities. */
export function withPackage(text: string, p: { name: string; version: string; sha256: string; identities?: RawIdentity[]; marker?: string }): string {
  const lines = [
    '',
    '[[packages]]',
    `name = "${p.name}"`,
    `version = "${p.version}"`,
    ...(p.marker !== undefined ? [`marker = ${JSON.stringify(p.marker)}`] : []),
    `sdist = { url = "https://files.example/${p.name}-${p.version}.tar.gz", hashes = { sha256 = "${p.sha256}" } }`,
    ...(p.identities ?? []).flatMap((id) => ['', ...render(id, '')]),
    '',
  ];
  const tool = text.search(/^\[tool\./m);
  return tool === -1 ? text.replace(/\n*$/, '\n') + lines.join('\n') : text.slice(0, tool) + lines.slice(1).join('\n') + '\n' + text.slice(tool);
}

/** The lockfile without `name`'s [[packages]] entry. */
export function withoutPackage(text: string, name: string): string {
  const lines = text.split('\n');
  const block = blocks(lines).find((b) => b.name === name);
  if (!block) throw new Error(`no package ${name}`);
  return [...lines.slice(0, block.start), ...lines.slice(block.end)].join('\n');
}

/** `name`'s `version = "…"` changed, and the version in its file names with it (hashes untouched: enough for offline diffs). */
export function withVersion(text: string, name: string, version: string): string {
  const lines = text.split('\n');
  const block = blocks(lines).find((b) => b.name === name);
  if (!block) throw new Error(`no package ${name}`);
  let old: string | undefined;
  for (let i = block.start; i < block.end; i++) {
    if (/^\s*version\s*=/.test(lines[i]!)) {
      old = /=\s*["']([^"']*)["']/.exec(lines[i]!)?.[1];
      lines[i] = lines[i]!.replace(/=.*$/, `= "${version}"`);
      break;
    }
  }
  // A locked file must stay a file of its package's version (lockfile.ts binds them).
  if (old !== undefined) {
    const inName = new RegExp(`-${old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=-|\\.tar\\.gz|\\.zip)`, 'g');
    for (let i = block.start; i < block.end; i++) lines[i] = lines[i]!.replace(inName, `-${version}`);
  }
  return lines.join('\n');
}
