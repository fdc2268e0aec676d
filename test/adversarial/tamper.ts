/**
 * Edits an attacker can make to a PEP 740 provenance object: bytes flipped,
 * fields replaced, statements re-encoded. Each returns a new object (the
 * input is never changed), so a table can build many cases from one source.
 */

export type Provenance = { version: 1; attestation_bundles: Array<{ publisher: Record<string, unknown>; attestations: any[] }> };

/** A copy of `p` after `edit` (which may change it in place). */
export function edited(p: unknown, edit: (p: Provenance) => void): Provenance {
  const copy = structuredClone(p) as Provenance;
  edit(copy);
  return copy;
}

/** The first attestation of the first bundle, and its first transparency entry. */
export const attestation = (p: Provenance, bundle = 0, index = 0): any => p.attestation_bundles[bundle]!.attestations[index];
export const entry = (p: Provenance): any => attestation(p).verification_material.transparency_entries[0];
export const proof = (p: Provenance): any => entry(p).inclusionProof;
export const publisher = (p: Provenance): Record<string, unknown> => p.attestation_bundles[0]!.publisher;

/** Base64 of the same bytes with bit 0 of byte `at` (modulo the length) flipped. */
export function flip(b64: string, at: number): string {
  const bytes = Buffer.from(b64, 'base64');
  const i = ((at % bytes.length) + bytes.length) % bytes.length;
  bytes[i] = bytes[i]! ^ 0x01;
  return bytes.toString('base64');
}

/** Decodes the signed statement, edits it, and encodes it back (the signature is then stale). */
export function editStatement(p: Provenance, edit: (statement: any) => void): void {
  const a = attestation(p);
  const statement = JSON.parse(Buffer.from(a.envelope.statement, 'base64').toString('utf8'));
  edit(statement);
  a.envelope.statement = Buffer.from(JSON.stringify(statement)).toString('base64');
}

/** A decimal string plus `n` (log indexes and times are int64 strings in protobuf JSON). */
export const plus = (decimal: string, n: number): string => String(BigInt(decimal) + BigInt(n));
