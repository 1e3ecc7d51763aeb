// Client strings may hold half a surrogate pair (JSON's "\ud800" escape parses to one). No UTF-8
// encoder can write it: Buffer writes U+FFFD in its place, encodeURIComponent throws. Dialects make
// such text well-formed first, the way the encoder would.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every half surrogate pair replaced by U+FFFD; whole pairs stay. */
export const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');
