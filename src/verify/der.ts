/**
 * A deliberately tiny, strict DER reader for the few certificate values the
 * publisher policy compares. We decode these ourselves instead of trusting a
 * general ASN.1 library's leniency: a value that is not exactly one minimal
 * TLV is rejected, so two different byte strings can never decode to the same
 * claim.
 */

export class DerError extends Error {
  override name = 'DerError';
}

interface Tlv {
  tag: number;
  value: Uint8Array;
  /** Offset just past this TLV. */
  end: number;
}

const TAG_UTF8_STRING = 0x0c;
const TAG_SEQUENCE = 0x30;
/** GeneralName context tags (RFC 5280 4.2.1.6), IMPLICIT primitive. */
const TAG_RFC822_NAME = 0x81;
const TAG_URI = 0x86;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads one TLV with a single-byte tag and a minimal DER length. */
function readTlv(buf: Uint8Array, offset: number): Tlv {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError('truncated TLV');
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  const { length, start } = readLength(buf, offset + 2, first);
  const end = start + length;
  if (end > buf.length) throw new DerError('TLV runs past the end of its container');
  return { tag, value: buf.subarray(start, end), end };
}

/** Short form, or long form with one or two length bytes; non-minimal forms are rejected (BER, not DER). */
function readLength(buf: Uint8Array, at: number, first: number): { length: number; start: number } {
  if (first < 0x80) return { length: first, start: at };
  const count = first & 0x7f;
  if (count === 0 || count > 2) throw new DerError('unsupported length encoding');
  let length = 0;
  for (let i = 0; i < count; i++) {
    const b = buf[at + i];
    if (b === undefined) throw new DerError('truncated length');
    length = length * 256 + b;
  }
  if (length < 0x80 || (count === 2 && length < 0x100)) throw new DerError('non-minimal length');
  return { length, start: at + count };
}

/** Decodes a value that must be exactly one DER UTF8String (Fulcio extensions 1.3.6.1.4.1.57264.1.8 and later). */
export function decodeDerUtf8String(bytes: Uint8Array): string {
  const tlv = readTlv(bytes, 0);
  if (tlv.tag !== TAG_UTF8_STRING) throw new DerError('not a UTF8String');
  if (tlv.end !== bytes.length) throw new DerError('trailing bytes after UTF8String');
  return decodeUtf8(tlv.value);
}

/** Decodes raw UTF-8 (the deprecated v1 Fulcio extensions store the bare string). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DerError('invalid UTF-8');
  }
}

export interface SubjectAltNames {
  emails: string[];
  uris: string[];
}

/**
 * Reads the rfc822Name and URI entries of a SubjectAltName extension value.
 * Both are IA5String: any byte >= 0x80 is rejected rather than folded (Node's
 * 'ascii' decoding silently drops the high bit, which could make two
 * different names compare equal).
 */
export function decodeSubjectAltNames(extnValue: Uint8Array): SubjectAltNames {
  const seq = readTlv(extnValue, 0);
  if (seq.tag !== TAG_SEQUENCE || seq.end !== extnValue.length) throw new DerError('SAN is not one SEQUENCE');
  const names: SubjectAltNames = { emails: [], uris: [] };
  for (let at = 0; at < seq.value.length; ) {
    const gn = readTlv(seq.value, at);
    if (gn.tag === TAG_RFC822_NAME) names.emails.push(decodeIa5(gn.value));
    if (gn.tag === TAG_URI) names.uris.push(decodeIa5(gn.value));
    at = gn.end;
  }
  return names;
}

function decodeIa5(bytes: Uint8Array): string {
  for (const b of bytes) if (b >= 0x80) throw new DerError('non-ASCII byte in IA5String');
  return decodeUtf8(bytes);
}
