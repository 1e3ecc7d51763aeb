// How the CLI writes what it has to say: plain aligned tables for listings, UTC timestamps, and a
// marker for secrets printed once. Everything goes to stdout except errors (main.ts), so a command's
// output can be piped into another program.

/** Left-aligned columns separated by two spaces, with a header row; empty cells show as "-". */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | undefined)[])[]): string {
  const cells = [headers, ...rows.map((row) => headers.map((_, i) => row[i] || '-'))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Epoch milliseconds as `YYYY-MM-DD HH:MM:SSZ`: sortable, unambiguous, and one word shorter than ISO. */
export function formatTime(epochMs: number | undefined): string | undefined {
  if (epochMs === undefined) return undefined;
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function print(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Said under every secret the CLI prints, because nothing can show it again. */
export const SHOWN_ONCE = '(shown only now; rollcall keeps only a hash of it)';
