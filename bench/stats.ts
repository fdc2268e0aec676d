/**
 * The bench's arithmetic and its table: pure, so `npm test` can check it
 * without timing anything (test/bench-harness.test.ts).
 */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const round = (x: number, digits = 2): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/**
 * Baseline, subject, baseline, subject…: drift on a shared machine (another
 * process starting, the CPU's clock) then hits both sides alike. `warmUp`
 * pairs run first and are not kept (the page cache, a first JIT of node).
 */
export async function alternatePairs(
  pairs: number,
  warmUp: number,
  baseline: () => Promise<number>,
  subject: () => Promise<number>,
): Promise<{ baseline: number[]; subject: number[] }> {
  const out = { baseline: [] as number[], subject: [] as number[] };
  for (let i = 0; i < warmUp + pairs; i++) {
    const b = await baseline();
    const s = await subject();
    if (i < warmUp) continue;
    out.baseline.push(b);
    out.subject.push(s);
  }
  return out;
}

/** One row of the goal table, as written to bench/results.json. */
export interface MeasureResult {
  id: string;
  title: string;
  /** The goal as the issue states it. */
  goal: string;
  /** What `median` is in: 'ms', 'MiB' or 'count'. */
  unit: 'ms' | 'MiB' | 'count';
  samples: number[];
  median: number;
  /** What the baseline is (a process, or a computed floor). */
  baseline?: string;
  baselineSamples?: number[];
  baselineMedian?: number;
  /** median / baselineMedian, where the goal is a ratio. */
  ratio?: number;
  /** The bound `ratio` (or `median`, for an absolute goal) must not exceed. */
  limit?: number;
  met: boolean;
  /** Anything else worth keeping: request counts, stretch goals, wall times. */
  details?: Record<string, unknown>;
  /** Set when the measure could not run; `met` is then false. */
  error?: string;
  /** Measured for context, not one of the goals: not counted in "N of M goals met". */
  context?: boolean;
}

/** A ratio goal: median / baseline median ≤ limit. */
export function ratioResult(
  r: Omit<MeasureResult, 'median' | 'baselineMedian' | 'ratio' | 'met'> & { limit: number; baselineSamples: number[]; extraOk?: boolean },
): MeasureResult {
  const { extraOk, ...rest } = r;
  const m = median(r.samples);
  const b = median(r.baselineSamples);
  const ratio = m / b;
  return { ...rest, median: round(m, 1), baselineMedian: round(b, 1), ratio: round(ratio, 3), met: ratio <= r.limit && extraOk !== false };
}

/** An absolute goal: median ≤ limit (a baseline, when given, is for context only). */
export function absoluteResult(r: Omit<MeasureResult, 'median' | 'baselineMedian' | 'ratio' | 'met'> & { limit: number }): MeasureResult {
  const m = median(r.samples);
  const b = r.baselineSamples === undefined ? undefined : median(r.baselineSamples);
  return { ...r, median: round(m, 1), ...(b === undefined ? {} : { baselineMedian: round(b, 1), ratio: round(m / b, 3) }), met: m <= r.limit };
}

export function failedResult(r: Pick<MeasureResult, 'id' | 'title' | 'goal' | 'unit'>, error: unknown): MeasureResult {
  return { ...r, samples: [], median: NaN, met: false, error: error instanceof Error ? error.message : String(error) };
}

function show(x: number | undefined, unit: MeasureResult['unit']): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (unit === 'ms') return x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;
  if (unit === 'MiB') return `${x.toFixed(0)} MiB`;
  return String(x);
}

/** The table printed at the end of a run (markdown, so docs/benchmarks.md can take it as is). */
export function renderTable(results: readonly MeasureResult[]): string {
  const head = ['measure', 'median', 'baseline (median)', 'ratio', 'goal', ''];
  const rows = results.map((r) => [
    r.title,
    r.error === undefined ? `${show(r.median, r.unit)} (n=${r.samples.length})` : 'did not run',
    r.baseline === undefined ? '–' : `${r.baseline}: ${show(r.baselineMedian, r.unit)}`,
    r.ratio === undefined ? '–' : `${r.ratio.toFixed(2)}×`,
    r.goal,
    r.met ? 'met' : '**missed**',
  ]);
  const cells = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
