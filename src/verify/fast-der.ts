/**
 * A faster, byte-identical `ASN1Obj.prototype.toDER` for @sigstore/core.
 *
 * Why: sigstore-js re-encodes certificates to DER many times per
 * verification (comparing certificates while building the chain, the TBS
 * bytes for each signature check, the SCT pre-certificate). Its encoder
 * builds every node through a `ByteStream` that allocates and copies in 1 KiB
 * blocks, twice per node; measured, that is over half of the time of a whole
 * verification. This encoder computes the same bytes (tag byte, minimal DER
 * length, content or the children's encodings) with one concatenation per
 * node: verification of a test-minted attestation drops from ~5 ms to ~2 ms.
 *
 * Safety: it is a pure function of the same fields the original reads, and
 * it is installed only after it reproduced the original's output, and the
 * input bytes, on the trusted root's own certificates; otherwise the
 * original stays. Verdicts are identical either way (test/worker-pool.test.ts
 * compares them). It is installed only inside our own worker threads
 * (verify-worker.ts), where the module instances belong to us alone; the main
 * thread, which may be a program that imported pylock-attest as a library,
 * keeps @sigstore/core exactly as shipped.
 */
import { ASN1Obj as CoreASN1Obj } from '@sigstore/core';

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

/** `len` as a DER length: short form below 128, else minimal big-endian bytes. */
function encodeLength(len: number): Buffer {
  if (len < 128) return Buffer.of(len);
  const bytes: number[] = [];
  for (let rest = len; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}

function encode(node: Asn1Node): Buffer {
  const content = node.subs.length > 0 ? Buffer.concat(node.subs.map(encode)) : node.value;
  return Buffer.concat([Buffer.of(node.tag.toDER()), encodeLength(content.length), content]);
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

/**
 * Installs the fast encoder once per thread if it reproduces the original
 * on every sample certificate. Returns whether it is in place.
 */
export function installFastDer(trustedRoot: unknown): boolean {
  if (state !== undefined) return state === 'installed';
  try {
    const ASN1Obj = asn1Class();
    const original = ASN1Obj.prototype.toDER;
    const samples = sampleCertificates(trustedRoot);
    const same = samples.length > 0 && samples.every((der) => {
      const node = ASN1Obj.parseBuffer(der);
      const fast = encode(node);
      return fast.equals(original.call(node)) && fast.equals(der);
    });
    if (same) ASN1Obj.prototype.toDER = fastToDER;
    state = same ? 'installed' : 'refused';
  } catch {
    state = 'refused';
  }
  return state === 'installed';
}
