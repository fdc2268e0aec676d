/**
 * A TUF repository on loopback, shaped like Sigstore's (consistent
 * snapshots, one ed25519 key per repository, `trusted_root.json` as a
 * target), for verify/tuf-refresh.ts: version 1 of its root is what the
 * client is seeded with; it serves one rotation (2.root.json), then 404.
 * Metadata is built and signed with @tufjs/models, the models tuf-js itself
 * verifies with.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Key, Metadata, MetaFile, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';

export interface FakeTuf {
  /** http://127.0.0.1:PORT */
  mirror: string;
  /** Version 1 of the root: the client's anchor. */
  rootV1: Buffer;
  /** The target's bytes as published. */
  target: Buffer;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export interface FakeTufOptions {
  target: Buffer;
  /** Serve other bytes than the signed targets metadata describes. */
  tamperTarget?: boolean;
  /** Sign everything after the root with a key the root does not list. */
  wrongKey?: boolean;
}

const EXPIRES = new Date(Date.now() + 365 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Signer {
  key: Key;
  privateKey: KeyObject;
}

function newSigner(): Signer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('hex');
  const keyID = createHash('sha256').update(raw).digest('hex');
  return { key: new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal: { public: raw } }), privateKey };
}

function signed<T extends Root | Timestamp | Snapshot | Targets>(body: T, signer: Signer): Buffer {
  const md = new Metadata(body);
  md.sign((data) => new Signature({ keyID: signer.key.keyID, sig: sign(null, data, signer.privateKey).toString('hex') }));
  return Buffer.from(JSON.stringify(md.toJSON()));
}

function root(version: number, signer: Signer): Root {
  const r = new Root({ version, specVersion: '1.0.31', expires: EXPIRES, consistentSnapshot: true });
  for (const role of ['root', 'timestamp', 'snapshot', 'targets']) r.addKey(signer.key, role);
  return r;
}

export async function startFakeTuf(opts: FakeTufOptions): Promise<FakeTuf> {
  const signer = newSigner();
  const other = opts.wrongKey === true ? newSigner() : signer;
  const digest = createHash('sha256').update(opts.target).digest('hex');
  const targets = new Targets({
    version: 1,
    specVersion: '1.0.31',
    expires: EXPIRES,
    targets: { 'trusted_root.json': new TargetFile({ path: 'trusted_root.json', length: opts.target.length, hashes: { sha256: digest } }) },
  });
  const targetsBytes = signed(targets, other);
  const snapshot = new Snapshot({ version: 1, specVersion: '1.0.31', expires: EXPIRES, meta: { 'targets.json': new MetaFile({ version: 1 }) } });
  const snapshotBytes = signed(snapshot, other);
  const timestamp = new Timestamp({ version: 1, specVersion: '1.0.31', expires: EXPIRES, snapshotMeta: new MetaFile({ version: 1 }) });
  const files = new Map<string, Buffer>([
    ['/2.root.json', signed(root(2, signer), signer)],
    ['/timestamp.json', signed(timestamp, other)],
    ['/1.snapshot.json', snapshotBytes],
    ['/1.targets.json', targetsBytes],
    [`/targets/${digest}.trusted_root.json`, opts.tamperTarget === true ? Buffer.from(opts.target.toString().replace(/.$/, ' ')) : opts.target],
  ]);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json', 'content-length': String(body?.length ?? 0) });
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    mirror: `http://127.0.0.1:${port}`,
    rootV1: signed(root(1, signer), signer),
    target: opts.target,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
