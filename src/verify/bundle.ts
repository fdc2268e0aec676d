/**
 * PEP 740 attestation → Sigstore bundle v0.3 JSON, copying fields verbatim
 * (the same conversion pypi-attestations' `to_bundle` does).
 *
 * The attestation comes from the network, so it is checked here for shape,
 * encoding and size before any of it reaches a parser: wrong types, non-base64
 * text (protobuf's base64 decoder silently skips junk characters) and absurd
 * sizes all stop here as a 'bundle' failure.
 */
import { IN_TOTO_PAYLOAD_TYPE } from './statement.js';

export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** Upper bounds in base64 characters; real values are a few KiB at most. */
export const LIMITS = {
  certificate: 16 * 1024,
  statement: 1024 * 1024,
  signature: 1024,
  transparencyEntry: 256 * 1024,
  transparencyEntries: 8,
} as const;

export type BundleJSONResult = { ok: true; bundle: Record<string, unknown> } | { ok: false; reason: string };

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function base64Field(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${name} is not a non-empty string`);
  if (value.length > max) throw new Error(`${name} is too large`);
  if (!STRICT_BASE64.test(value)) throw new Error(`${name} is not standard base64`);
  return value;
}

function firstTransparencyEntry(entries: unknown): Record<string, unknown> {
  if (!Array.isArray(entries) || entries.length === 0) throw new Error('no transparency entries');
  if (entries.length > LIMITS.transparencyEntries) throw new Error('too many transparency entries');
  const first: unknown = entries[0];
  if (!isRecord(first)) throw new Error('transparency entry is not an object');
  if (JSON.stringify(first).length > LIMITS.transparencyEntry) throw new Error('transparency entry is too large');
  return first;
}

function convert(att: unknown): Record<string, unknown> {
  if (!isRecord(att) || att.version !== 1) throw new Error('not a version 1 attestation');
  const vm = att.verification_material;
  const env = att.envelope;
  if (!isRecord(vm) || !isRecord(env)) throw new Error('missing verification_material or envelope');
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      certificate: { rawBytes: base64Field(vm.certificate, 'certificate', LIMITS.certificate) },
      // pypi-attestations uses the first entry only; so do we.
      tlogEntries: [firstTransparencyEntry(vm.transparency_entries)],
    },
    dsseEnvelope: {
      payload: base64Field(env.statement, 'statement', LIMITS.statement),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: base64Field(env.signature, 'signature', LIMITS.signature), keyid: '' }],
    },
  };
}

export function attestationToBundleJSON(att: unknown): BundleJSONResult {
  try {
    return { ok: true, bundle: convert(att) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
