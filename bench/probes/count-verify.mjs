// Loaded with `node --import` into a measured process (and, through the
// inherited flags, into its verification worker threads): counts calls of
// sigstore-js's Verifier#verify, the cryptographic verification of one
// attestation, by appending one line per call to $BENCH_VERIFY_FILE. The
// CLI's report does not say how many attestations it verified (a gap the
// bench reports), so this is how a warm run is shown to verify nothing.
// It loads @sigstore/verify eagerly: never use it where time or memory is
// measured.
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.env.BENCH_VERIFY_FILE;
if (out) {
  const { Verifier } = createRequire(import.meta.url)('@sigstore/verify');
  const verify = Verifier.prototype.verify;
  Verifier.prototype.verify = function (...args) {
    appendFileSync(out, '1\n');
    return verify.apply(this, args);
  };
}
