/**
 * Remote data (publisher names, index messages) reaches the terminal. An
 * index could embed ANSI escapes to rewrite what the user sees ("verified"),
 * so every control character is shown escaped, never interpreted.
 */
import type { ErrorReport } from '../errors.js';

export function safeText(value: unknown, max = 300): string {
  const text = String(value).replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export interface Colors {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function colors(enabled: boolean): Colors {
  if (!enabled) {
    const id = (s: string) => s;
    return { red: id, green: id, yellow: id, dim: id, bold: id };
  }
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };
}

/** Words filled into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * A JSON report, pretty-printed. JSON.stringify leaves C1 controls and bidi
 * overrides raw; a report read in a terminal must not carry them.
 */
export function jsonText(value: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  const json = JSON.stringify(value, replacer, 2);
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

/** An error for stderr: `error: <message>`, and its hint on a line of its own; remote text escaped, our line break kept. */
export function errorLines(error: ErrorReport, c: Colors): string {
  const hint = error.hint === undefined ? '' : `\n  hint: ${safeText(error.hint, 1000)}`;
  return `${c.red('error')}: ${safeText(error.message, 4000)}${hint}`;
}
