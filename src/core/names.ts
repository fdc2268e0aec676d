/** PEP 503 project-name normalization: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}
