/**
 * A faster, byte-identical `ASN1Obj.prototype.toDER` for @sigstore/core.
 *
 * Why: sigstore-js re-encodes certificates to DER many times per
 * verification (comparing certificates while building the chain, the TBS
 * bytes for each signature check, the SCT pre-certificate). Its encoder
 * builds every node through a `ByteStream` that allocates and copies in 1 KiB
 * blocks, twice per node; measured, that is over half of the time of a whole
 * verification. This encoder computes the same bytes (tag byte, minimal DER
 * length, content or the children's encodings) in two passes: every node's
 * length, then the bytes, into one buffer. Measured on 2 cores (docs/decisions.md): 9.6–11.8 ms → 1.0–1.7 ms of
 * CPU per bench attestation, 9.8–12.2 → 4.9–6.3 ms per real PyPI one.
 *
 * It patches a private method of a dependency, so it is held to the version
 * it was checked against and refuses anything else, loudly:
 *
 * - package.json pins @sigstore/core to exactly CHECKED_VERSION (a test
 *   keeps the two equal); another installed version is refused;
 * - the class and a parsed node must have the shape this encoder reads
 *   (`parseBuffer`, `prototype.toDER`, `tag.toDER()`, `value`, `subs`);
 * - it must reproduce the original's output, and the input bytes, on the
 *   trusted root's own certificates.
 *
 * Refused, the original stays and `fastDerProblem()` says why; the worker
 * reports it and the run warns (worker-pool.ts). Verdicts are identical
 * either way (test/worker-pool.test.ts compares them). It is installed only
 * inside our own worker threads (verify-worker.ts), where the module
 * instances belong to us alone; the main thread, which may be a program that
 * imported pylock-attest as a library, keeps @sigstore/core exactly as
 * shipped. docs/decisions.md has the offer for upstream.
 */
import { ASN1Obj as CoreASN1Obj } from '@sigstore/core';
import coreManifest from '@sigstore/core/package.json' with { type: 'json' };

/** The @sigstore/core release this encoder was checked against; package.json pins exactly this. */
export const CHECKED_VERSION = '4.0.1';

interface Asn1Node {
  tag: { toDER(): number };
  value: Buffer;
  subs: Asn1Node[];
  toDER(): Buffer;
}

interface Asn1Class {
  parseBuffer(buf: Buffer): Asn1Node;
  prototype: Asn1Node;
}

let state: 'installed' | 'refused' | undefined;
let problem: string | undefined;

/** Bytes `len` takes as a DER length: short form below 128, else 0x80|n and n minimal big-endian bytes. */
function lengthBytes(len: number): number {
  let n = 1;
  if (len >= 128) for (let rest = len; rest > 0; rest = Math.floor(rest / 256)) n++;
  return n;
}

/**
 * Pass 1: each node's content length, pushed in pre-order (the order `write`
 * visits them); returns the node's whole encoded length.
 */
function measure(node: Asn1Node, contents: number[]): number {
  const at = contents.push(0) - 1;
  let content = 0;
  if (node.subs.length > 0) for (const sub of node.subs) content += measure(sub, contents);
  else content = node.value.length;
  contents[at] = content;
  return 1 + lengthBytes(content) + content;
}

/** Pass 2: tag byte, minimal length, then the value or the children, into `out` at `offset`; returns the end. */
function write(node: Asn1Node, contents: number[], next: { i: number }, out: Buffer, offset: number): number {
  const content = contents[next.i++]!;
  out[offset++] = node.tag.toDER();
  const n = lengthBytes(content) - 1;
  if (n === 0) out[offset++] = content;
  else {
    out[offset++] = 0x80 | n;
    for (let i = n - 1, rest = content; i >= 0; i--, rest = Math.floor(rest / 256)) out[offset + i] = rest % 256;
    offset += n;
  }
  if (node.subs.length === 0) {
    out.set(node.value, offset);
    return offset + content;
  }
  for (const sub of node.subs) offset = write(sub, contents, next, out, offset);
  return offset;
}

/** The node's DER encoding: measured, then written into one buffer (the original allocates and copies per node, twice). */
function encode(node: Asn1Node): Buffer {
  const contents: number[] = [];
  const out = Buffer.allocUnsafe(measure(node, contents));
  write(node, contents, { i: 0 }, out, 0);
  return out;
}

function fastToDER(this: Asn1Node): Buffer {
  return encode(this);
}

/**
 * The ASN1Obj class @sigstore/verify uses: our @sigstore/core dependency is
 * the same version, so npm installs one copy (and a bundle holds one). A
 * static import, not a require resolved at run time, so the bundle in the
 * Python wheel, which has no node_modules, carries it. Were the copies ever
 * two, the patch would reach only ours: no speed-up, same verdicts.
 */
function asn1Class(): Asn1Class {
  return CoreASN1Obj as unknown as Asn1Class;
}

/** DER certificates from a trusted_root.json object (certificate authorities' chains). */
function sampleCertificates(trustedRoot: unknown): Buffer[] {
  const cas = (trustedRoot as { certificateAuthorities?: unknown } | null)?.certificateAuthorities;
  if (!Array.isArray(cas)) return [];
  return cas.flatMap((ca: { certChain?: { certificates?: Array<{ rawBytes?: unknown }> } }) =>
    (ca?.certChain?.certificates ?? []).flatMap((c) => (typeof c?.rawBytes === 'string' ? [Buffer.from(c.rawBytes, 'base64')] : [])),
  );
}

/** Why the installed @sigstore/core is not the one this encoder reads, or undefined. */
function shapeProblem(ASN1Obj: Asn1Class, sample: Buffer): string | undefined {
  const version = (coreManifest as { version?: unknown }).version;
  if (version !== CHECKED_VERSION) return `@sigstore/core is ${String(version)}, and the fast encoder was checked against ${CHECKED_VERSION} only`;
  if (typeof ASN1Obj?.parseBuffer !== 'function' || typeof ASN1Obj.prototype?.toDER !== 'function')
    return '@sigstore/core has no ASN1Obj.parseBuffer and toDER';
  const node = ASN1Obj.parseBuffer(sample);
  const shaped = (n: Asn1Node): boolean =>
    typeof n?.tag?.toDER === 'function' && n.value instanceof Uint8Array && Array.isArray(n.subs) && n.subs.every(shaped);
  return shaped(node) ? undefined : "@sigstore/core's ASN1Obj nodes are not { tag, value, subs }";
}

/**
 * Installs the fast encoder once per thread if the installed @sigstore/core
 * is the checked one, has the shape it reads, and it reproduces the original
 * on every sample certificate. Returns whether it is in place.
 */
export function installFastDer(trustedRoot: unknown): boolean {
  if (state !== undefined) return state === 'installed';
  try {
    const ASN1Obj = asn1Class();
    const samples = sampleCertificates(trustedRoot);
    problem = samples.length === 0 ? 'the trusted root has no certificate to check it on' : shapeProblem(ASN1Obj, samples[0]!);
    if (problem === undefined) {
      const original = ASN1Obj.prototype.toDER;
      const same = samples.every((der) => {
        const node = ASN1Obj.parseBuffer(der);
        const fast = encode(node);
        return fast.equals(original.call(node)) && fast.equals(der);
      });
      if (same) ASN1Obj.prototype.toDER = fastToDER;
      else problem = "its output differs from @sigstore/core's own on the trusted root's certificates";
    }
  } catch (e) {
    problem = `checking it failed (${e instanceof Error ? e.message : String(e)})`;
  }
  state = problem === undefined ? 'installed' : 'refused';
  return state === 'installed';
}

/** Why installFastDer refused (undefined when it installed, or was not tried). */
export function fastDerProblem(): string | undefined {
  return problem;
}
