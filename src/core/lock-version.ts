import semver from 'semver';

export type LockVersionCheck = { ok: true; warning?: string } | { ok: false; reason: string };

/** The `lock-version` major we understand. PEP 751: error on another major, warn on an unknown minor. */
const SUPPORTED = '1.0.0';

export function checkLockVersion(value: unknown): LockVersionCheck {
  if (typeof value !== 'string') return { ok: false, reason: '`lock-version` is missing or not a string' };
  const parsed = /^\d+(\.\d+)?$/.test(value) ? semver.coerce(value) : null;
  if (parsed === null) return { ok: false, reason: `\`lock-version\` ${JSON.stringify(value)} is not a version` };
  if (parsed.major !== semver.major(SUPPORTED)) {
    return { ok: false, reason: `\`lock-version\` ${value} is not supported (this tool reads 1.x)` };
  }
  if (semver.gt(parsed, SUPPORTED)) {
    return { ok: true, warning: `\`lock-version\` ${value} is newer than 1.0; reading it as 1.0` };
  }
  return { ok: true };
}
