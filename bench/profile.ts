/**
 * Where verification's time goes: a V8 CPU profile (node --cpu-prof)
 * reduced to self time per area, counting only samples taken under one
 * function (our `verifyAttestation`), so fixture loading and start-up do
 * not count.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds of samples under the root function. */
  totalMs: number;
  groups: Array<{ name: string; ms: number; share: number }>;
  top: Array<{ fn: string; ms: number; share: number }>;
}

const AREAS: Array<[string, (url: string, fn: string) => boolean]> = [
  ['DER re-encoding and parsing (@sigstore/core asn1, ByteStream)', (u) => /@sigstore\/core\/dist\/(asn1|stream)/.test(u)],
  ['Buffer allocation and copies (node:buffer)', (u) => /^node:(internal\/)?buffer/.test(u)],
  ['signature and key operations (node:crypto)', (u) => u.startsWith('node:internal/crypto') || u.startsWith('node:crypto')],
  ['X.509 and chain building (@sigstore/core x509, @sigstore/verify key)', (u) => /@sigstore\/core\/dist\/x509|@sigstore\/verify\/dist\/key/.test(u)],
  ['other sigstore-js checks (tlog, DSSE, SCT, trust)', (u) => /@sigstore\/(verify|core)\//.test(u)],
  ['bundle and protobuf decoding (@sigstore/bundle, protobuf-specs)', (u) => /@sigstore\/(bundle|protobuf-specs)\//.test(u)],
  ['our checks (bundle conversion, claims, policy, statement)', (u) => /\/dist\/(verify|core)\//.test(u)],
];

export function summarizeProfile(profile: CpuProfile, rootFunction: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const underRoot = new Map<number, boolean>();
  const isUnder = (id: number): boolean => {
    const known = underRoot.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const result = node.callFrame.functionName === rootFunction || (up !== undefined && isUnder(up));
    underRoot.set(id, result);
    return result;
  };
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (!isUnder(id)) return;
    total += us;
    const { url, functionName } = byId.get(id)!.callFrame;
    const area = AREAS.find(([, test]) => test(url, functionName))?.[0] ?? 'other (JSON, strings, V8 built-ins)';
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  });
  const share = (us: number): number => (total > 0 ? (100 * us) / total : 0);
  const sorted = <T>(m: Map<string, number>, make: (k: string, us: number) => T): T[] => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, us]) => make(k, us));
  return {
    totalMs: total / 1000,
    groups: sorted(areas, (name, us) => ({ name, ms: us / 1000, share: share(us) })),
    top: sorted(fns, (fn, us) => ({ fn, ms: us / 1000, share: share(us) })).slice(0, 15),
  };
}
