// Entity tags and If-None-Match (RFC 9110 §8.8.3, §13.1.2).

/** `"opaque"`, or `W/"opaque"` when weak. `opaque` must be tag characters only (no `"`). */
export const entityTag = (opaque: string, weak: boolean): string => (weak ? `W/"${opaque}"` : `"${opaque}"`);

/** One entity tag of a list: its opaque part between the quotes (which may hold commas). */
const LISTED_TAG = /(?:W\/)?"([^"]*)"/g;

/**
 * Whether an If-None-Match field value names `tag`, by the weak comparison the RFC prescribes for it:
 * two tags match when their opaque parts are equal, whether either is weak. `*` matches any current
 * answer (there always is one when this is asked).
 */
export function noneMatchHits(field: string | undefined, tag: string): boolean {
  if (field === undefined) return false;
  // A poller sends back the very tag it got: no parse for that, nor for a field without the tag.
  if (field === tag) return true;
  const opaque = tag.slice(tag.indexOf('"') + 1, -1);
  if (!field.includes(opaque)) return field.trim() === '*';
  for (const [, listed] of field.matchAll(LISTED_TAG)) if (listed === opaque) return true;
  return false;
}
