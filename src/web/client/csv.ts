// Comma-separated values as RFC 4180 writes them (quotes doubled, fields with commas, quotes or line
// breaks quoted, CRLF between records), and a download of the file from the page.
// Names, hosts and views come from clients: a field that a spreadsheet would run as a formula
// (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, as OWASP advises, so
// opening an export never runs what a client reported.

type Field = string | number | boolean | undefined | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: Field): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** How long the page is held at most while records are written: a frame and a half at 60 Hz. */
const SLICE_MS = 25;
const ROWS_PER_CLOCK_READ = 200;

/**
 * A header line and one line per item, its fields made by `fields`; every line ends with CRLF. Tens of
 * thousands of records took seconds of one task on a busy machine, with the page frozen, so they are
 * written in slices of about SLICE_MS with a task boundary between (the page draws in it).
 */
export async function toCsv<T>(header: readonly string[], items: readonly T[], fields: (item: T) => readonly Field[]): Promise<string> {
  const lines = [header.map(csvField).join(',')];
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    if (i % ROWS_PER_CLOCK_READ === 0 && i > 0 && performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      sliceStart = performance.now();
    }
    lines.push(fields(items[i]!).map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Offers `text` as a file to save, named `filename`. */
export function downloadFile(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it started; a minute is ample for the browser to take it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "rollcall-sessions-2025-03-04T14-05-09Z.csv": sorts by time, and is a valid file name everywhere. */
export const timestampedName = (what: string, now = new Date()): string =>
  `rollcall-${what}-${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-')}.csv`;
