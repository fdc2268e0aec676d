/**
 * Reading V8 CPU profiles (`node --cpu-prof`) of whole CLI processes: where
 * a run's time goes, by function (self and inclusive) and by package. Pure,
 * so test/bench-harness.test.ts checks it on a hand-made profile.
 *
 * Inclusive time counts a sample once for every distinct function on its
 * stack (recursion counted once), which is what "parse took 720 ms" means.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber?: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime?: number;
  endTime?: number;
}

export interface Cost {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Milliseconds of samples in the profile (the thread's life, idle included). */
  totalMs: number;
  /** Samples in "(idle)": the thread waiting (for the network, for workers). */
  idleMs: number;
  gcMs: number;
  self: Cost[];
  inclusive: Cost[];
  /** Inclusive time by npm package (node_modules/<pkg>) or node: builtin area, or "dist/<dir>" for ours. */
  packages: Cost[];
}

/** "fn dist/core/editor.js:120", "parse smol-toml/dist/parse.js", "(garbage collector)". */
export function frameName(frame: ProfileNode['callFrame']): string {
  const where = location(frame.url);
  const fn = frame.functionName || '(anonymous)';
  if (where === '') return fn;
  return `${fn} ${where}${frame.lineNumber !== undefined && frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : ''}`;
}

function location(url: string): string {
  if (url === '') return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return `dist/${url.slice(dist + '/dist/'.length)}`;
  return url.replace(/^file:\/\/.*\/(bench|bin)\//, '$1/');
}

/** The package a frame belongs to: `smol-toml`, `@sigstore/verify`, `dist/core`, `node:internal/modules`…; undefined for V8's own entries. */
export function packageOf(url: string): string | undefined {
  if (url === '') return undefined;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return `dist/${url.slice(dist + '/dist/'.length).split('/')[0]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return location(url);
}

export function summarizeProfile(profile: CpuProfile, top = 30): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, { fns: Set<string>; pkgs: Set<string> }>();
  const stackOf = (id: number): { fns: Set<string>; pkgs: Set<string> } => {
    const known = stacks.get(id);
    if (known !== undefined) return known;
    const fns = new Set<string>();
    const pkgs = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName === '(root)') continue;
      fns.add(frameName(frame));
      const pkg = packageOf(frame.url);
      if (pkg !== undefined) pkgs.add(pkg);
    }
    const s = { fns, pkgs };
    stacks.set(id, s);
    return s;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const name = frameName(byId.get(id)!.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    const { fns, pkgs } = stackOf(id);
    for (const f of fns) inclusive.set(f, (inclusive.get(f) ?? 0) + us);
    for (const p of pkgs) packages.set(p, (packages.get(p) ?? 0) + us);
  });
  const costs = (m: Map<string, number>, n: number): Cost[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: total > 0 ? Math.round((1000 * us) / total) / 10 : 0 }));
  return {
    totalMs: Math.round(total / 1000),
    idleMs: Math.round((self.get('(idle)') ?? 0) / 1000),
    gcMs: Math.round((self.get('(garbage collector)') ?? 0) / 1000),
    self: costs(self, top),
    inclusive: costs(inclusive, top * 2),
    packages: costs(packages, top),
  };
}

/** `node --trace-gc` lines → counts, pause totals and the largest heap seen (MB, as V8 prints them). */
export function summarizeTraceGc(stdout: string): { scavenges: number; markCompacts: number; scavengeMs: number; markCompactMs: number; maxHeapMB: number } {
  const out = { scavenges: 0, markCompacts: 0, scavengeMs: 0, markCompactMs: 0, maxHeapMB: 0 };
  // [pid:0x…]   123 ms: Scavenge 45.2 (60.1) -> 40.3 (62.1) MB, pooled: 0 MB, 3.21 / 0.00 ms …
  for (const m of stdout.matchAll(
    /: (Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-sweep)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB,[^\d]*(?:pooled: [\d.]+ MB, )?([\d.]+) \//g,
  )) {
    const ms = Number(m[6]);
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Sweep') {
      out.scavenges++;
      out.scavengeMs += ms;
    } else {
      out.markCompacts++;
      out.markCompactMs += ms;
    }
    out.maxHeapMB = Math.max(out.maxHeapMB, Number(m[3]), Number(m[5]));
  }
  out.scavengeMs = Math.round(out.scavengeMs);
  out.markCompactMs = Math.round(out.markCompactMs);
  return out;
}
