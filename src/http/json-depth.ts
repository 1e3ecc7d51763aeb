// A cheap guard against deeply nested JSON. No legitimate body nests deeper than a few levels (a batch
// of heartbeats: object, array, object, view object), but `[[[[…` of a few MB parses into millions of
// arrays: hundreds of MB for one request. Scanning the text first costs one pass with no allocation.

/** Deeper than any body rollcall takes (the deepest, a batch or a representative's lsids, is 4). */
export const MAX_JSON_DEPTH = 16;

/** Whether the JSON text nests objects and arrays deeper than `max`. Brackets inside strings are text. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Jump to the closing quote natively: strings are most of a body's bytes.
      let end = text.indexOf('"', i + 1);
      while (end > 0 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return false; // unterminated: JSON.parse refuses it
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let j = at - 1; j >= 0 && text.charCodeAt(j) === 0x5c; j--) backslashes++;
  return backslashes % 2 === 1;
}
