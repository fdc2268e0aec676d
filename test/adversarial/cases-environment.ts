/**
 * Attacks on a run's surroundings rather than on an attestation: a cache
 * directory the attacker can write (issue 10, item 4), a proxy that stalls
 * (item 5), provenance URLs a remote index aims at this machine (item 7).
 *
 * The index serves attestations minted by the attacker's own Sigstore
 * (test/support/mint.ts), which the production root does not trust: without
 * a forgery that works, every such package is `invalid`. Settings that load
 * the root as a user's run does (no --trusted-root) send TUF to a proxy on a
 * closed loopback port, so the refresh fails at once and the run uses the
 * root embedded in @sigstore/tuf, as it would offline; the indexes are plain
 * http on loopback, which HTTPS_PROXY does not carry.
 *
 * One entry per case; see harness.ts for what every case must show.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OutcomeCache } from '../../src/app/outcome-cache.js';
import { identityFromPublisher } from '../../src/core/identity.js';
import type { Identity } from '../../src/core/types.js';
import { KEY_FILE, loadOrCreateKey } from '../../src/io/cache-access.js';
import { CacheStore } from '../../src/io/cache-store.js';
import { loadTrustRoot } from '../../src/verify/trust.js';
import { embeddedSeed } from '../../src/verify/tuf-refresh.js';
import { VerdictCache } from '../../src/verify/verdict-cache.js';
import { closedPort, LOCAL_HOSTS } from '../support/local-hosts.ts';
import { createMockSigstore, type MockSigstore } from '../support/mint.ts';
import { PROXY_STALLS, startTcpProxy, type ProxyBehaviour } from '../support/tcp-proxy.ts';
import { makeLoopbackCert, OPENSSL_MISSING } from '../support/tls-cert.ts';
import type { AdversarialCase, Command, Environment, Expectation, Scenario, Setting, Table, Warm } from './harness.ts';
import { spliceRecord } from '../support/forge-cache.ts';

const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const EMBEDDED_DIGEST = sha256((await embeddedSeed()).trustedRoot);
const YEAR = 365 * 24 * 3600_000;
const AS_ROOT = process.getuid?.() === 0;

// The attacker's Sigstore: created by the table's trustedRoot(), before any case is built.
let attacker: MockSigstore;

const sdist = (id: string) => `env_${id}-1.0.tar.gz`;
const publisherOf = (id: string) => ({ kind: 'GitHub' as const, repository: `acme/env-${id}`, workflow: 'release.yml' });
const identityOf = (id: string): Identity => (identityFromPublisher(publisherOf(id)) as { identity: Identity }).identity;
const EVIL: Identity = { kind: 'GitHub', repository: 'attacker/evil', workflow: 'release.yml' };

/** Package `env-<id>` 1.0: one sdist the attacker's Sigstore signed, as PyPI serves provenance. */
async function signedByAttacker(id: string): Promise<Scenario> {
  const filename = sdist(id);
  const attestation = await attacker.mint({ filename, sha256: sha256(filename), publisher: publisherOf(id) });
  const provenance = { version: 1, attestation_bundles: [{ publisher: { ...publisherOf(id), environment: null }, attestations: [attestation] }] };
  return { name: `env-${id}`, version: '1.0', files: [{ filename, sha256: sha256(filename), provenance }] };
}

/** Not trusted by the production root: what every forgery below tries to change. */
const UNTRUSTED: Expectation = { exit: 1, category: 'verification-failed', says: ['does not chain to a Fulcio certificate authority in the trusted root'] };

/** Every file under `dir`, relative, sorted; [] when there is no `dir`. */
function listAll(dir: string): string[] {
  return existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]).sort() : [];
}

/** `dir` as it is now: whether it exists, and every file under it. */
const snapshot = (dir: string): string => JSON.stringify([existsSync(dir), listAll(dir)]);

/** The root as a user's run loads it: no --trusted-root, TUF failing at once, so the embedded copy. */
async function unpinned(more: Environment = {}): Promise<Environment> {
  return { ...more, pinRoot: false, env: { HTTPS_PROXY: await closedPort(), ...more.env } };
}

const trustRootIs =
  (source: string) =>
  (command: Command, run: { json: any }): string[] =>
    run.json.trustRoot === source ? [] : [`${command}: the trusted root came from ${JSON.stringify(run.json.trustRoot)}, not ${source}`];

/** The files an attacker plants where earlier versions kept a trusted root and TUF metadata. */
function plantRoots(cacheDir: string): string[] {
  mkdirSync(join(cacheDir, 'tuf', 'tuf-repo-cdn.sigstore.dev'), { recursive: true, mode: 0o700 });
  writeFileSync(join(cacheDir, 'trusted_root.json'), JSON.stringify(attacker.trustedRoot));
  writeFileSync(join(cacheDir, 'tuf', 'tuf-repo-cdn.sigstore.dev', 'root.json'), '{"signed": {"_type": "root"}}');
  return listAll(cacheDir);
}

// ---------------------------------------------------------------------------
// Item 4: a cache directory the attacker can write but whose key (in the
// state directory) they cannot read. They know every public input: the
// attestation, the file, the identity, the production root's digest, our
// code (so every record key and the store's format).
// ---------------------------------------------------------------------------

/** A forger's key: anything but the one in the state directory. */
const FORGER_KEY = randomBytes(32);

const WRITTEN_BY_ATTACKER: Setting = {
  name: 'a cache directory the attacker wrote: planted roots, a trust record under their key',
  async prepare(dir) {
    const cacheDir = join(dir, 'cache');
    mkdirSync(cacheDir, { mode: 0o700 });
    const planted = plantRoots(cacheDir);
    // Their trusted root, kept as a TUF refresh keeps it, under their own key.
    const trust = new CacheStore(join(cacheDir, 'trust-v2'), FORGER_KEY, { purpose: 'trust' });
    await loadTrustRoot({ offline: false, store: trust, refresh: async () => Buffer.from(JSON.stringify(attacker.trustedRoot)) });
    trust.close();
    const before = Object.fromEntries(
      planted.filter((f) => !f.endsWith('/') && statSync(join(cacheDir, f)).isFile()).map((f) => [f, readFileSync(join(cacheDir, f))]),
    );
    return unpinned({
      cacheDir,
      after: (command, run) => [
        ...trustRootIs('embedded')(command, run),
        ...Object.entries(before)
          .filter(([f, bytes]) => !existsSync(join(cacheDir, f)) || !readFileSync(join(cacheDir, f)).equals(bytes))
          .map(([f]) => `${command}: the planted ${f} was changed`),
      ],
    });
  },
};

const PLANTED_NO_CACHE: Setting = {
  name: 'the same planted roots, with --no-cache',
  // --no-cache is RunContext's, before any command's own work: enrich and refresh pass it alike; check is the one that revalidates.
  commands: ['enrich', 'check'],
  async prepare(dir) {
    const cacheDir = join(dir, 'cache');
    mkdirSync(cacheDir, { mode: 0o700 });
    const planted = plantRoots(cacheDir);
    return unpinned({
      cacheDir,
      args: ['--no-cache'],
      after: (command, run) => [
        ...trustRootIs('embedded')(command, run),
        ...(JSON.stringify(listAll(cacheDir)) === JSON.stringify(planted)
          ? []
          : [`${command}: --no-cache touched the cache directory: ${listAll(cacheDir).join(', ')}`]),
      ],
    });
  },
};

/** The public inputs of a record about this case's one file. */
function recordInputs(w: Warm) {
  const file = w.scenario.files[0]!;
  const body = Buffer.from(JSON.stringify(file.provenance)); // as the fake index serves it
  const attestation = (file.provenance as { attestation_bundles: Array<{ attestations: unknown[] }> }).attestation_bundles[0]!.attestations[0];
  const query = { indexUrl: w.index.simpleUrl, project: w.scenario.name, version: w.scenario.version, filename: file.filename, sha256: file.sha256 };
  return { file, body, attestation, query };
}

const VERIFIED_VERDICT = {
  ok: true as const,
  predicateType: 'https://docs.pypi.org/attestations/publish/v1',
  certificate: { issuer: 'https://token.actions.githubusercontent.com', san: 'x' },
  unverifiedIdentityKeys: [],
  signedAt: '2025-01-01T00:00:00.000Z',
};
const OUTCOME_CONTEXT = { verify: true, trustDigest: EMBEDDED_DIGEST, mode: 'auto', offline: false };
const noStore = { get: async () => undefined, getSync: () => undefined, set: async () => undefined, recordOf: () => undefined };

const CACHE_FORGERY: AdversarialCase[] = [
  {
    name: "cache: a trusted_root.json and a TUF root.json planted in the cache directory, and a kept-root record under the attacker's key",
    setting: WRITTEN_BY_ATTACKER,
    build: () => signedByAttacker('c1'),
    expect: UNTRUSTED,
  },
  {
    name: "cache: a positive verdict for exactly this attestation, file, identity and root, under the attacker's key",
    setting: WRITTEN_BY_ATTACKER,
    build: () => signedByAttacker('c2'),
    async warm(w) {
      const { file, body, attestation } = recordInputs(w);
      const verdicts = new VerdictCache(new CacheStore(join(w.cacheDir, 'verdicts-v2'), FORGER_KEY, { purpose: 'verdicts' }), EMBEDDED_DIGEST);
      await verdicts.put(verdicts.key(attestation, identityOf('c2'), file, `${sha256(body)}/0/0`), VERIFIED_VERDICT);
    },
    expect: UNTRUSTED,
  },
  {
    name: "cache: a verified outcome naming the attacker, fresh for a year, under the attacker's key",
    setting: WRITTEN_BY_ATTACKER,
    build: () => signedByAttacker('c3'),
    async warm(w) {
      const { file, query } = recordInputs(w);
      const store = new CacheStore(join(w.cacheDir, 'outcomes-v2'), FORGER_KEY, { purpose: 'outcomes' });
      const outcomes = new OutcomeCache(store, OUTCOME_CONTEXT);
      await outcomes.put(
        outcomes.key(query),
        { filename: file.filename, sha256: file.sha256, status: 'verified', identities: [EVIL], unverifiedKeys: [[]] },
        Date.now() + YEAR,
      );
      store.close();
    },
    expect: UNTRUSTED,
  },
  {
    name: 'cache: a verified outcome spliced into a genuine segment (a well-formed block over its bytes, a MAC not ours)',
    setting: WRITTEN_BY_ATTACKER,
    build: () => signedByAttacker('c4'),
    async warm(w) {
      // A genuine run first: --no-verify keeps an outcome, so the outcome store gets a segment this machine wrote.
      const outcomes = join(w.cacheDir, 'outcomes-v2');
      const before = new Set(listAll(outcomes));
      await w.cli('enrich', ['--no-verify', '--dry-run']);
      const genuine = listAll(outcomes).find((f) => f.endsWith('.idx') && !before.has(f));
      if (genuine === undefined) throw new Error('the genuine run kept no outcome');
      const { file, query } = recordInputs(w);
      const key = new OutcomeCache(noStore, OUTCOME_CONTEXT).key(query);
      const outcome = { filename: file.filename, sha256: file.sha256, status: 'verified', identities: [EVIL], unverifiedKeys: [[]] };
      spliceRecord(outcomes, genuine.slice(0, -'.idx'.length), key, Buffer.from(JSON.stringify({ key, expires: Date.now() + YEAR, outcome })));
    },
    expect: UNTRUSTED,
  },
  {
    name: 'cache: planted trusted roots are not read with --no-cache either',
    setting: PLANTED_NO_CACHE,
    build: () => signedByAttacker('c5'),
    expect: UNTRUSTED,
  },
];

/**
 * A cache the run must not use at all (io/cache-access.ts `openCache`): a
 * warning that says why and how to fix it, nothing read or written there,
 * and the same result as without a cache. The refusal is RunContext's, made
 * before any command's own work and the same for all three, so enrich alone
 * stands for them (check's cache path is the one WRITTEN_BY_ATTACKER runs).
 */
function refusedCache(name: string, make: (dir: string) => { cacheDir: string; env?: Record<string, string>; says: string[] }): Setting {
  return {
    name: `a cache that may not be used: ${name}`,
    commands: ['enrich'],
    async prepare(dir) {
      const { cacheDir, env, says } = make(dir);
      const before = snapshot(cacheDir);
      return unpinned({
        cacheDir,
        ...(env ? { env } : {}),
        stderr: ['warning: not using the cache: ', ...says],
        after: (command) => (snapshot(cacheDir) === before ? [] : [`${command}: the refused cache directory was created or written: ${snapshot(cacheDir)}`]),
      });
    },
  };
}

function ownDir(dir: string, mode: number): string {
  const cacheDir = join(dir, 'cache');
  mkdirSync(cacheDir, { mode: 0o700 });
  chmodSync(cacheDir, mode);
  return cacheDir;
}

/** A state directory whose key `spoil` has spoiled. */
function spoiledKey(dir: string, spoil: (file: string) => void): { cacheDir: string; env: Record<string, string> } {
  const state = join(dir, 'state');
  loadOrCreateKey(state);
  spoil(join(state, KEY_FILE));
  return { cacheDir: join(dir, 'cache'), env: { PYLOCK_ATTEST_STATE_DIR: state } };
}

const REFUSED_CACHES: Array<[Setting, string]> = [
  [
    refusedCache('group-writable', (dir) => {
      const cacheDir = ownDir(dir, 0o770);
      return { cacheDir, says: [`other users can write ${cacheDir} (mode 0770)`, `chmod go-w ${cacheDir}`] };
    }),
    'g',
  ],
  [
    refusedCache('world-writable', (dir) => {
      const cacheDir = ownDir(dir, 0o777);
      return { cacheDir, says: [`other users can write ${cacheDir} (mode 0777)`] };
    }),
    'w',
  ],
  [
    refusedCache('not there yet, in a directory others can write', (dir) => {
      const open = join(dir, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      return { cacheDir: join(open, 'cache'), says: [`it would be created in ${open}, which other users can write (mode 0777)`] };
    }),
    'n',
  ],
  [
    refusedCache('the key is readable by others', (dir) => ({
      ...spoiledKey(dir, (f) => chmodSync(f, 0o644)),
      says: ['other users can read or write the cache key', '(mode 0644)'],
    })),
    'kr',
  ],
  [
    refusedCache('the key is a symbolic link', (dir) => ({
      ...spoiledKey(dir, (f) => (rmSync(f), symlinkSync('/dev/null', f))),
      says: ['is a symbolic link'],
    })),
    'ks',
  ],
  [refusedCache('the key has the wrong size', (dir) => ({ ...spoiledKey(dir, (f) => writeFileSync(f, 'short')), says: ['has 5 bytes, not 32'] })), 'kz'],
  [
    refusedCache("the key's directory is inside the cache directory (it would travel with a restored cache)", (dir) => {
      const cacheDir = join(dir, 'cache');
      return { cacheDir, env: { PYLOCK_ATTEST_STATE_DIR: join(cacheDir, 'state') }, says: ["the cache key's directory", 'is inside the cache directory'] };
    }),
    'ki',
  ],
  // Mode bits decide, not whether a write would succeed: as root, permissions alone never stop one. Ownership needs root to set up.
  ...(AS_ROOT
    ? ([
        [
          refusedCache('owned by another user', (dir) => {
            const cacheDir = ownDir(dir, 0o700);
            chownSync(cacheDir, 4242, 4242);
            return { cacheDir, says: ['belongs to another user (uid 4242)'] };
          }),
          'o',
        ],
        [
          refusedCache('the key belongs to another user', (dir) => ({
            ...spoiledKey(dir, (f) => chownSync(f, 4242, 4242)),
            says: ['belongs to another user (uid 4242)'],
          })),
          'ko',
        ],
      ] as Array<[Setting, string]>)
    : []),
];

const OFFLINE_REFUSED: Setting = {
  name: '--offline, where the cache is the only source, and the cache may not be used',
  // refresh has no --offline; check --offline reads no cache (diff and policy only), so it must simply find nothing wrong and verify nothing.
  commands: ['enrich', 'check'],
  prepare: (dir) => unpinned({ cacheDir: ownDir(dir, 0o770), args: ['--offline'] }),
};

const CACHE_REFUSED: AdversarialCase[] = [
  ...REFUSED_CACHES.map(([setting, id]): AdversarialCase => ({ name: setting.name, setting, build: () => signedByAttacker(`r${id}`), expect: UNTRUSTED })),
  {
    name: 'cache: --offline with a group-writable cache is a usage error, and check --offline verifies nothing',
    setting: OFFLINE_REFUSED,
    build: () => signedByAttacker('ro'),
    expect: { exit: 2, code: 'USAGE', says: ['--offline answers from the cache, and the cache cannot be used', 'other users can write'], check: { exit: 0 } },
  },
];

// ---------------------------------------------------------------------------
// Item 5: a proxy that accepts and stalls, at each phase of a request, the
// TUF refresh's included. --timeout and --deadline bound each run (exit 3,
// INDEX_TIMEOUT, nothing written); a timeout is not retried.
// ---------------------------------------------------------------------------

const TUF_HOST = 'tuf-repo-cdn.sigstore.dev';
const STALL_TIMEOUT_S = 4;
/** A stalling case's index host, from its package name (`stall-silent` → `stall-silent.example`). */
const stallHost = (s: Scenario): string | undefined => (s.name.startsWith('stall-') ? `${s.name}.example` : undefined);
const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z]+/g, '-')
    .replace(/^-|-$/g, '');

/** Requests `proxy` got since the last call, per CONNECT host. */
function connectsSince(requests: string[]): () => Map<string, number> {
  let seen = 0;
  return () => {
    const counts = new Map<string, number>();
    for (const line of requests.slice(seen)) {
      const host = line.split(' ')[1]?.replace(/:\d+$/, '') ?? '';
      counts.set(host, (counts.get(host) ?? 0) + 1);
    }
    seen = requests.length;
    return counts;
  };
}

/**
 * One proxy for every stall: each case's index is its own host, and the
 * proxy stalls as PROXY_STALLS says for that host; TUF's host stays silent.
 * The root is not pinned, so every command's TUF refresh goes through it too.
 */
const STALLING_PROXY: Setting = {
  name: `an HTTPS proxy that stalls, per host, TUF's included; --timeout ${STALL_TIMEOUT_S}`,
  async prepare() {
    const hosts: Record<string, ProxyBehaviour> = { [TUF_HOST]: { kind: 'silent' } };
    for (const [name, behaviour] of PROXY_STALLS) hosts[`stall-${slug(name)}.example`] = behaviour;
    const proxy = await startTcpProxy({ kind: 'by-host', hosts, otherwise: { kind: 'silent' } });
    const since = connectsSince(proxy.requests);
    return {
      pinRoot: false,
      env: { HTTPS_PROXY: proxy.url },
      args: [
        '--timeout',
        String(STALL_TIMEOUT_S),
        '--allow-index-host',
        Object.keys(hosts)
          .filter((h) => h !== TUF_HOST)
          .join(','),
      ],
      indexUrl: (_index, s) => (stallHost(s) === undefined ? undefined : `https://${stallHost(s)}/simple`),
      // The TUF case verifies, so the fallback is said.
      stderr: ['warning: Sigstore trusted root: using the embedded copy (TUF refresh failed'],
      after(command) {
        const counts = since();
        const out: string[] = [];
        if ((counts.get(TUF_HOST) ?? 0) === 0) out.push(`${command}: the TUF refresh never went through the proxy`);
        for (const [host, n] of counts) if (n > 1) out.push(`${command}: ${n} CONNECTs to ${host}: a timeout was retried`);
        return out;
      },
      close: () => proxy.close(),
    };
  },
};

const DEADLINE_PROXY: Setting = {
  name: 'an HTTPS proxy that never answers, a long --timeout, --deadline 3',
  async prepare() {
    const proxy = await startTcpProxy({ kind: 'silent' });
    return {
      env: { HTTPS_PROXY: proxy.url },
      args: ['--timeout', '60', '--deadline', '3', '--allow-index-host', 'stall-deadline.example'],
      indexUrl: (_index, s) => (stallHost(s) === undefined ? undefined : `https://${stallHost(s)}/simple`),
      close: () => proxy.close(),
    };
  },
};

/** An sdist on a stalling host: its index is never reached. */
const stalled = (id: string): Scenario => ({
  name: `stall-${id}`,
  version: '1.0',
  files: [{ filename: `stall_${id.replace(/-/g, '_')}-1.0.tar.gz`, sha256: sha256(id), provenance: null }],
});

const PROXIES: AdversarialCase[] = [
  ...PROXY_STALLS.map(
    ([name]): AdversarialCase => ({
      name: `proxy: ${name}: --timeout ends it after one attempt`,
      setting: STALLING_PROXY,
      build: () => stalled(slug(name)),
      expect: {
        exit: 3,
        code: 'INDEX_UNAVAILABLE',
        category: 'unavailable',
        says: [`no complete response within ${STALL_TIMEOUT_S * 1000} ms`],
        check: { exit: 3, category: 'unavailable' },
      },
    }),
  ),
  {
    name: 'proxy: the TUF refresh through a proxy that never answers ends at --timeout; the run verifies against the embedded root',
    setting: STALLING_PROXY,
    build: () => signedByAttacker('tuf'),
    expect: UNTRUSTED,
  },
  {
    name: 'proxy: a proxy that never answers, with --timeout 60: --deadline ends the run',
    setting: DEADLINE_PROXY,
    build: () => stalled('deadline'),
    expect: { exit: 3, code: 'INDEX_UNAVAILABLE', category: 'unavailable', says: ['deadline'], check: { exit: 3, category: 'unavailable' } },
  },
];

// ---------------------------------------------------------------------------
// Item 7: a remote index must not aim us at this machine or its link.
// ---------------------------------------------------------------------------

const REMOTE_INDEX = 'index.example';
const cert = makeLoopbackCert('pylock-attest-adversarial', [REMOTE_INDEX]);

/**
 * Each case's index is `https://index.example:<its port>/simple`: a loopback
 * TLS index behind a proxy that tunnels every CONNECT to the port it names,
 * so to us the index is a remote host.
 */
const REMOTE: Setting = {
  name: 'a remote https index (a loopback one behind a tunnelling proxy)',
  // The refusal is the provenance client's, reading the page: enrich and refresh look files up alike; check revalidates.
  commands: ['enrich', 'check'],
  async prepare() {
    if (cert === undefined) throw new Error(OPENSSL_MISSING);
    const proxy = await startTcpProxy({ kind: 'tunnel' });
    return {
      env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: cert.certFile },
      args: ['--allow-index-host', REMOTE_INDEX],
      tls: { key: cert.key, cert: cert.cert },
      indexUrl: (index) => `https://${REMOTE_INDEX}:${new URL(index.origin).port}/simple`,
      after: (command) =>
        proxy.requests.every((r) => r.startsWith(`CONNECT ${REMOTE_INDEX}:`)) ? [] : [`${command}: a tunnel went elsewhere: ${proxy.requests.join(', ')}`],
      close: async () => {
        await proxy.close();
        cert.cleanup();
      },
    };
  },
};

/** One package whose index advertises its provenance at `url` (never fetched: refused before any request). */
export function advertisedAt(id: string, url: (origin: string) => string): Scenario {
  const filename = `loop_${id}-1.0.tar.gz`;
  return {
    name: `loop-${id}`,
    version: '1.0',
    files: [{ filename, sha256: sha256(filename), provenance: { version: 1, attestation_bundles: [] }, advertise: url }],
  };
}

const refused = (kind: string): Expectation => ({
  exit: 3,
  code: 'INDEX_UNAVAILABLE',
  category: 'unavailable',
  says: [`a remote index points at this machine (${kind} address)`],
  check: { exit: 3, category: 'unavailable' },
});

/** Without openssl, no loopback certificate: the remote-index cases are left out, saying so. */
if (cert === undefined) console.warn(`adversarial: the remote-index loopback cases are ${OPENSSL_MISSING}`);
const REMOTE_CASES =
  cert === undefined
    ? []
    : [...LOCAL_HOSTS.map(([host, kind]) => [`https://${host}/provenance/x`, kind] as const), ['//0.0.0.0/provenance/x', 'unspecified'] as const];

const LOOPBACK: AdversarialCase[] = [
  ...REMOTE_CASES.map(
    ([url, kind], i): AdversarialCase => ({
      name: `loopback: a remote index advertises provenance at ${url}`,
      setting: REMOTE,
      build: () => advertisedAt(`h${i}`, () => url),
      expect: refused(kind),
    }),
  ),
];

export const ENVIRONMENT_TABLE: Table = {
  title: 'the surroundings: a cache the attacker wrote, stalling proxies, hosts on this machine (production root)',
  trustedRoot: async () => {
    attacker = await createMockSigstore();
    return (await loadTrustRoot({ offline: true })).json;
  },
  // The proxies' runs first: they mostly wait, while the others' runs use the cores.
  cases: [...PROXIES, ...CACHE_FORGERY, ...CACHE_REFUSED, ...LOOPBACK],
};
