/**
 * The minimum a trusted_root.json must hold before we build trust material
 * from it. protobuf's fromJSON accepts `{}` and yields a root that trusts
 * nothing; failing here turns that into a clear TRUST_ROOT error instead of
 * every attestation "failing verification".
 */
export function trustedRootProblem(json: unknown): string | undefined {
  const root = json as { mediaType?: unknown; certificateAuthorities?: unknown; tlogs?: unknown } | null;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return 'not a JSON object';
  if (typeof root.mediaType !== 'string' || !root.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    return 'mediaType is not a Sigstore trusted root';
  }
  if (!Array.isArray(root.certificateAuthorities) || root.certificateAuthorities.length === 0) {
    return 'no certificate authorities';
  }
  if (!Array.isArray(root.tlogs) || root.tlogs.length === 0) return 'no transparency logs';
  return undefined;
}
