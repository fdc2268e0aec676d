/**
 * Types shared across layers. Pure data: no behaviour lives here.
 */

/** A scalar an identity table may hold. TOML has no null, so null never appears. */
export type IdentityValue = string | number | boolean;

/**
 * One PEP 751 `[[packages.attestation-identities]]` table. `kind` is required;
 * publisher-specific keys sit top-level, as-is (GitLab's `workflow_filepath`).
 */
export interface Identity {
  kind: string;
  [key: string]: IdentityValue;
}

/** A publisher object as an index returns it (untrusted until validated). */
export interface Publisher {
  kind: string;
  claims?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** One PEP 740 attestation, as carried in a provenance object. Byte fields are base64. */
export interface Attestation {
  version: number;
  verification_material: {
    certificate: string;
    transparency_entries: unknown[];
  };
  envelope: {
    statement: string;
    signature: string;
  };
}

export interface AttestationBundle {
  publisher: Publisher;
  attestations: Attestation[];
}

/** A PEP 740 provenance object (Integrity API response body), validated in shape. */
export interface Provenance {
  version: 1;
  attestation_bundles: AttestationBundle[];
}

/** What a verification must match: the file as the lockfile records it. */
export interface ExpectedDistribution {
  /** The filename as uploaded (case preserved). */
  filename: string;
  /** Lowercase hex sha256 from the lockfile. */
  sha256: string;
}
