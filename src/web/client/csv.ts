// Comma-separated values as RFC 4180 writes them (quotes doubled, fields with commas, quotes or line
// breaks quoted, CRLF between records), and a download of the file from the page.
// Names, hosts and views come from clients: a field that a spreadsheet would run as a formula
// (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, as OWASP advises, so
// opening an export never runs what a client reported.

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line and one line per row; every line ends with CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<ReadonlyArray<string | number | boolean | undefined | null>>): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
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
