// Both JSON dialects show a user id as a JSON number where their clients expect one (Clientexec's
// `self`, Motadata's `user.id`), while rollcall keeps ids as the reporting application's strings.

const LARGEST = 2n ** 53n;

/**
 * The id as a number when it is canonical decimal digits (no sign, no leading zero) not above 2^53,
 * else undefined. Both limits keep the mapping exact: the number prints back as the very same id, so a
 * client that compares it with ids it knows never confuses "007" with "7" or 2^53+1 with 2^53.
 */
export function numericId(id: string): number | undefined {
  if (!/^(0|[1-9]\d{0,15})$/.test(id)) return undefined;
  return BigInt(id) <= LARGEST ? Number(id) : undefined;
}
