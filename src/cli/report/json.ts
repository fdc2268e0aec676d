import type { AuditResult } from '../../app/audit-result.js';
import type { Finding } from '../../core/outcome.js';
import { jsonText } from '../terminal-text.js';

/**
 * The JSON report, schema `pylock-attest/findings@1`
 * (docs/schema/findings-v1.schema.json). Every finding has the same keys:
 * `allowed` is always a boolean, `version` a string or null.
 */
export function renderAuditJson(result: AuditResult): string {
  return jsonText({ ...result, findings: result.findings.map(jsonFinding) });
}

function jsonFinding(f: Finding): Record<string, unknown> {
  const out: Record<string, unknown> = {
    category: f.category,
    ...(f.subkind !== undefined ? { subkind: f.subkind } : {}),
    severity: f.severity,
    allowed: f.allowed === true,
    package: f.package,
    version: f.version ?? null,
    path: f.path ?? '',
    line: f.line,
    message: f.message,
  };
  if (f.old !== undefined) out['old'] = f.old;
  if (f.new !== undefined) out['new'] = f.new;
  if (f.file !== undefined) out['file'] = f.file;
  if (f.allowance !== undefined) out['allowance'] = f.allowance;
  return out;
}
