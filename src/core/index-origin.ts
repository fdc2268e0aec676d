/**
 * Whether a file URL belongs to a package index, so that the index can hold
 * provenance for it. A direct-URL `archive` (PEP 751: `archive = { url = … }`)
 * is looked up only then: anywhere else it is not an index file, and asking
 * the index about it would only ever say "not listed".
 */

/** PyPI serves files from another host than its index (warehouse's `files.url`). */
const PYPI_FILE_HOSTS: Readonly<Record<string, string>> = {
  'pypi.org': 'files.pythonhosted.org',
  'test.pypi.org': 'test-files.pythonhosted.org',
};

/**
 * True when `fileUrl` is on the index at `indexUrl`: the same origin, under
 * the index's parent path (`/simple` → `/`, devpi's `/root/pypi/+simple/` →
 * `/root/pypi/`, GitLab's `…/packages/pypi/simple` → `…/packages/pypi/`, where
 * those indexes serve files), or PyPI's files host for pypi.org and test.pypi.org.
 */
export function servedByIndex(fileUrl: string, indexUrl: string): boolean {
  let file: URL;
  let index: URL;
  try {
    file = new URL(fileUrl);
    index = new URL(indexUrl);
  } catch {
    return false;
  }
  if (file.protocol !== 'https:' && file.protocol !== 'http:') return false;
  const filesHost = PYPI_FILE_HOSTS[index.hostname];
  if (filesHost !== undefined && index.protocol === 'https:' && index.port === '') {
    return file.protocol === 'https:' && file.port === '' && file.hostname === filesHost && file.pathname.startsWith('/packages/');
  }
  if (file.origin !== index.origin) return false;
  const base = index.pathname.replace(/\/+$/, '');
  return file.pathname.startsWith(base.slice(0, base.lastIndexOf('/') + 1));
}
