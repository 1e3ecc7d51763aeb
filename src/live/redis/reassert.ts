// Puts sessions back into an epoch that lost them (recovery.ts): every session this node's replica
// holds, with its id, version and clock, announcing nothing (each was announced when it opened).
// Every node does this with its whole replica, so the sessions of a node that is gone come back as
// well, and the union of the replicas is what the new epoch holds.
//
// Two steps per chunk, so the nodes after the first pay little: the clocks first (id, version and
// clock: Redis keeps the later clock of a session it has at that version, and answers which sessions
// it lacks or has at an older version), then those sessions in full. Both are idempotent and
// guarded by versions: a session changed in the new epoch is newer than any copy (its version is a
// seq of the new epoch), and one ended there stays ended (tombstones). Nothing here hands out ids or
// seqs: session ids come from history's counter, never from Redis.
import type { Session } from '../../core/model.ts';
import { REASSERT_CLOCKS, REASSERT_SESSIONS, type LuaScript } from './scripts.ts';
import { decodeStored, placesArg, sessionArgs } from './session-codec.ts';
import { inChunks } from '../../core/chunks.ts';
import { flag, SCRIPT_CHUNK } from './session-writer.ts';

/** Sessions per REASSERT_CLOCKS script: four short values each, a few µs of Redis time per session. */
const CLOCK_CHUNK = 1_000;
/**
 * Rounds of REASSERT_SESSIONS for a chunk: a round repeats only for sessions another node replaced in
 * between with a newer copy than the one this node found, so two or three rounds are the most seen.
 */
const MAX_ROUNDS = 8;

export interface ReassertDeps {
  /** Runs a guarded script in the epoch being joined; answers its reply. */
  run<T>(script: LuaScript, args: readonly string[]): Promise<T>;
}

export interface ReassertResult {
  /** False when the epoch's re-assert window had closed: nothing was re-asserted. */
  open: boolean;
  /** Sessions checked (all the replica held). */
  checked: number;
  /** Sessions sent in full: the ones Redis lacked or held older. */
  sent: number;
}

/** A session Redis answered as stored, with its profile (false: absent). */
type Found = { stored: string; profile: string } | false;
/** A script's answer [position, stored or null, profile or null, position, …] (Lua's false arrives as null). */
type FlatTriples = (number | string | null)[];

export async function reassertSessions(sessions: readonly Session[], deps: ReassertDeps): Promise<ReassertResult> {
  let sent = 0;
  for (const chunk of inChunks(sessions, CLOCK_CHUNK)) {
    const args = chunk.flatMap((s) => [String(s.id), String(s.version), String(s.lastActivityAt), String(s.expiresAt)]);
    const wanted = await deps.run<FlatTriples | null>(REASSERT_CLOCKS, args);
    if (wanted === null) return { open: false, checked: 0, sent: 0 };
    const full = triples(wanted).map(([position, found]) => ({ session: chunk[position - 1]!, found }));
    for (const part of inChunks(full, SCRIPT_CHUNK)) {
      if (!(await sendInFull(part, deps))) return { open: false, checked: 0, sent };
      sent += part.length;
    }
  }
  return { open: true, checked: sessions.length, sent };
}

/** Sends sessions in full until none is left to send again; false when the window closed. */
async function sendInFull(items: readonly { session: Session; found: Found }[], deps: ReassertDeps): Promise<boolean> {
  let round = items;
  for (let attempt = 1; round.length > 0; attempt++) {
    if (attempt > MAX_ROUNDS) throw new Error('sessions kept changing while this node re-asserted them');
    const args = round.flatMap(({ session: s, found }) => {
      const stored = found === false ? undefined : decodeStored(found.stored, found.profile);
      return [
        String(s.id),
        String(s.version),
        s.user.id,
        flag(s.detached),
        String(s.lastActivityAt),
        String(s.expiresAt),
        ...sessionArgs(s),
        placesArg(s),
        stored ? String(stored.version) : '',
        stored ? placesArg(stored) : '',
      ];
    });
    const again = await deps.run<FlatTriples | null>(REASSERT_SESSIONS, args);
    if (again === null) return false;
    const current = round;
    round = triples(again).map(([position, found]) => ({ session: current[position - 1]!.session, found }));
  }
  return true;
}

function triples(flat: FlatTriples): [number, Found][] {
  const result: [number, Found][] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const stored = flat[i + 1];
    result.push([
      Number(flat[i]),
      stored === null || stored === undefined ? false : { stored: String(stored), profile: String(flat[i + 2] ?? '') },
    ]);
  }
  return result;
}
