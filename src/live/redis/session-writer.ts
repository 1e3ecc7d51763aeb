// Updates and ends of sessions as compare-and-set against Redis. The node states what it believes of
// each session (the version it read, and what the script must know: its user, its node) and sends the
// next state or the end; the script applies it only if the version is still the stored one, and else
// answers the session as stored now, with which the node tries again. Sessions go in chunks, one
// script (and one stream entry) per chunk and round.
import { inChunks } from '../../core/chunks.ts';
import { RollcallError } from '../../core/errors.ts';
import type { Session } from '../../core/model.ts';
import type { EndedSession, SessionEnd } from '../live-store.ts';
import { END, UPDATE, type LuaScript } from './scripts.ts';
import { decodeStored, placesArg, sessionArgs } from './session-codec.ts';
import { encodeEnd, type ChangeEntry } from './stream-entries.ts';

/**
 * Compare-and-set rounds of one update or end before it gives up (RollcallError 'conflict'). Updates of
 * a session on one node queue behind each other (the store's KeyedQueue), so a round is lost only to a
 * change from another node; when two nodes change one session back to back, each round is about a
 * coin flip (measured: ten lost rounds in a row happen about once in a thousand updates). 32 rounds
 * make giving up practically impossible unless other nodes change that session without pause.
 */
const MAX_CAS_ROUNDS = 32;

/**
 * Sessions per UPDATE or END script, and so per stream entry: ending one costs Redis about 13 µs in a
 * batch, so a script holds Redis for about 1.3 ms and its entry stays near 50 kB. A sweep of 10,000
 * sessions is a hundred scripts, with other clients' commands in between.
 */
export const SCRIPT_CHUNK = 100;

export interface UpdatePlan {
  id: number;
  mutate: (session: Session) => Session | undefined;
}

export interface UpdateResult {
  /** As stored now; undefined when not live. */
  session: Session | undefined;
  /** True when this call changed it. */
  changed: boolean;
}

export interface EndRequest {
  id: number;
  /** What this node believes (undefined: it does not hold it, and Redis will answer it). */
  session: Session | undefined;
  /** How it ends. */
  endOf: (session: Session) => SessionEnd;
  /** End it only if its deadline is at or before this (epoch ms). */
  dueBy?: number;
  /** Still to be ended, as it is now? Asked when it changed meanwhile. */
  keep?: (session: Session) => boolean;
}

export interface SessionWriterDeps {
  /**
   * Runs a mutation's script; answers its reply and, when it appended a change entry (`firstSeqOf` the
   * reply is not 0), that entry as this node applied it.
   */
  change<R>(
    script: LuaScript,
    args: readonly string[],
    firstSeqOf: (reply: R) => number,
  ): Promise<{ reply: R; entry: ChangeEntry | undefined }>;
  /** The session as this node holds it. */
  current(id: number): Session | undefined;
  /** This node's newest heartbeat of the session not flushed yet: it counts for the session's end. */
  queuedActivity(id: number): number | undefined;
}

/** A session the END or UPDATE script found changed: as stored, its profile, its deadline (kept beside it). */
type Conflict = [stored: string, profile: string, expiresAt: string | null];
type Outcome = 'ok' | 'gone' | 'not due' | Conflict;

export class SessionWriter {
  constructor(private readonly deps: SessionWriterDeps) {}

  /** Answers per id the session as stored now and whether this call changed it. */
  async update(plans: readonly UpdatePlan[], at: number): Promise<Map<number, UpdateResult>> {
    const chunks = await Promise.all(Array.from(inChunks(plans, SCRIPT_CHUNK), (chunk) => this.updateChunk(chunk, at)));
    return new Map(chunks.flatMap((results) => [...results]));
  }

  /** Answers the sessions this call ended, as announced. */
  async end(requests: readonly EndRequest[]): Promise<EndedSession[]> {
    return (await Promise.all(Array.from(inChunks(requests, SCRIPT_CHUNK), (chunk) => this.endChunk(chunk)))).flat();
  }

  private async updateChunk(plans: readonly UpdatePlan[], at: number): Promise<Map<number, UpdateResult>> {
    const results = new Map<number, UpdateResult>();
    let round = plans.map((plan) => ({ plan, current: this.deps.current(plan.id) }));
    for (let attempt = 1; round.length > 0; attempt++) {
      if (attempt > MAX_CAS_ROUNDS) throw tooContended();
      const args = [String(at)];
      const sent: typeof round = [];
      for (const item of round) {
        const { plan, current } = item;
        const next = current && plan.mutate({ ...current });
        if (!current || !next) {
          results.set(plan.id, { session: current, changed: false });
          continue;
        }
        if (next.id !== current.id || next.user.id !== current.user.id || next.clientType !== current.clientType) {
          throw new Error('update may not change a session id, user id or client type');
        }
        args.push(
          String(next.id),
          String(current.version),
          current.user.id,
          placesArg(current),
          flag(next.detached),
          String(next.lastActivityAt),
          String(next.expiresAt),
          placesArg(next),
          ...sessionArgs(next),
        );
        sent.push(item);
      }
      if (sent.length === 0) break;
      const { reply, entry } = await this.deps.change<[number, Outcome[]]>(UPDATE, args, ([seq]) => seq);
      // The entry holds the applied sessions in the order of their 'ok' outcomes.
      const updated = entry?.kind === 'update' ? entry.sessions : [];
      round = [];
      let applied = 0;
      sent.forEach(({ plan }, i) => {
        const outcome = reply[1][i]!;
        if (outcome === 'ok') results.set(plan.id, { session: updated[applied++], changed: true });
        else if (outcome === 'gone') results.set(plan.id, { session: undefined, changed: false });
        else round.push({ plan, current: conflicted(outcome as Conflict) });
      });
    }
    return results;
  }

  private async endChunk(requests: readonly EndRequest[]): Promise<EndedSession[]> {
    const ended: EndedSession[] = [];
    let round = requests;
    for (let attempt = 1; round.length > 0; attempt++) {
      if (attempt > MAX_CAS_ROUNDS) throw tooContended();
      const args: string[] = [];
      for (const { id, session, endOf, dueBy } of round) {
        const queued = session && this.deps.queuedActivity(id);
        args.push(
          String(id),
          session ? String(session.version) : '',
          session?.user.id ?? '',
          session ? placesArg(session) : '',
          session ? encodeEnd(endOf(session)) : '',
          dueBy !== undefined ? String(dueBy) : '',
          queued !== undefined ? String(queued) : '',
          queued !== undefined ? String(queued + session!.lifetimeMs) : '',
        );
      }
      const { reply, entry } = await this.deps.change<[number, Outcome[]]>(END, args, ([seq]) => seq);
      if (entry?.kind === 'end') for (const item of entry.items) ended.push(item.ended);
      const again: EndRequest[] = [];
      round.forEach((request, i) => {
        const outcome = reply[1][i]!;
        if (!Array.isArray(outcome)) return;
        const current = conflicted(outcome);
        if (request.keep?.(current) ?? true) again.push({ ...request, session: current });
      });
      round = again;
    }
    return ended;
  }
}

export const flag = (value: boolean): string => (value ? '1' : '0');

const tooContended = () => new RollcallError('conflict', 'the session kept changing on other nodes while this change was made; try again');

/** A session as a script answered it on a conflict: as stored, with the deadline kept beside it. */
function conflicted([stored, profile, expiresAt]: Conflict): Session {
  const session = decodeStored(stored, profile);
  if (expiresAt !== null) session.expiresAt = Number(expiresAt);
  return session;
}
