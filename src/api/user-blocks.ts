// "Who is online" kept between answers as blocks of consecutive users' JSON, so an answer is made of
// the blocks in which nothing changed, sent as they are, and the few blocks rewritten around what did.
//
// Why blocks: at 15,000 sessions the answer is some 18 MB. Copying every user's remembered bytes into
// one fresh Buffer per answer cost more than everything else the answer did (a CPU profile of
// bench/who-is-online.ts: the copies and the page faults of new memory, then the collector). Between two
// answers a few users change (a heartbeat moves a session's whole-second `lastActivityAt`, a session
// starts or ends); the rest are byte for byte what was sent last time. A block of up to BLOCK_USERS
// users is kept with what each user was written from; an answer checks each block's users against the
// current ones (identity of the snapshots, the seconds of their times) and sends an unchanged block's
// bytes again without copying them. A changed block is written again: its unchanged users copied from
// the old block, the changed ones written from their fragments (presence-json-writer.ts).
//
// Blocks are found by their first user's first session snapshot (users are listed in order of their
// first session, so a block's users stay together while they stay online). A block ends before a user
// that starts another remembered block, so boundaries stay where they were. Only the blocks of the
// last answer are kept: memory is one answer's worth.
import type { Session, UserInfo, UserPresence, View } from '../core/model.ts';
import { BodyWriter } from '../http/body-writer.ts';
import { DEFAULT_SLICE_MS, forEachSliced } from '../http/slices.ts';
import { toSeconds } from './presence-json.ts';

/** Users per block: a block is rewritten when one of them changes, and each block is one piece to send. */
export const BLOCK_USERS = 16;

/** A block is closed at this size too (users with many sessions), so a rewrite stays small. */
const BLOCK_BYTES = 64 * 1024;

/**
 * What an online user's JSON was written from: the same user and view, the same session snapshots and
 * the same seconds in every time field give the same bytes.
 */
export interface WrittenUser {
  /**
   * The object it was written from. The core hands out the same object again only while none of its
   * sessions' last activity moved (core/online-users.ts), so it needs no other check.
   */
  presence: UserPresence;
  user: UserInfo;
  view: View | undefined;
  sessions: readonly Session[];
  /** Unix seconds written: the user's last seen, then each session's last activity. */
  seconds: readonly number[];
}

/**
 * Writes one user's JSON at the end of `out`; answers what it was written from, or undefined for a
 * user that cannot be remembered (an offline one: history makes a new object per answer).
 */
export type WriteUser = (out: BodyWriter, presence: UserPresence) => WrittenUser | undefined;

interface Block {
  /** Per user, what it was written from (undefined: never matches, always written again). */
  users: (WrittenUser | undefined)[];
  /** `,user,user,…`: a comma before every user, so blocks follow one another as they are. */
  bytes: Buffer;
  /** Where each user's comma is in `bytes`, then the end. */
  offsets: number[];
}

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

const firstSession = (presence: UserPresence): Session | undefined => (presence.online ? presence.sessions[0] : undefined);

export class UserBlocks {
  private byFirst = new Map<Session, Block>();

  /**
   * `users` as a JSON array, as pieces to send one after the other; yields to the event loop after
   * each `sliceMs` of work. Every user's times are read during the call, as a fresh write would.
   */
  async write(users: readonly UserPresence[], writeUser: WriteUser, sliceMs = DEFAULT_SLICE_MS): Promise<Buffer[]> {
    const pieces: Buffer[] = [];
    const kept = new Map<Session, Block>();
    await forEachSliced(this.blocks(users, writeUser, kept), (block) => pieces.push(block.bytes), sliceMs);
    // Another answer may have been written meanwhile (both yield): either one's blocks are sound.
    this.byFirst = kept;
    // The first user has no comma before it: a view that skips it.
    if (pieces[0]) pieces[0] = pieces[0].subarray(1);
    return [OPEN, ...pieces, CLOSE];
  }

  /** The blocks of `users` in order, the last answer's where they still hold; each one kept in `kept`. */
  private *blocks(users: readonly UserPresence[], writeUser: WriteUser, kept: Map<Session, Block>): Generator<Block> {
    let i = 0;
    while (i < users.length) {
      const first = firstSession(users[i]!);
      const old = first && this.byFirst.get(first);
      const block = old && blockMatches(old, users, i) ? old : this.writeBlock(users, i, old, writeUser);
      if (first) kept.set(first, block);
      i += block.users.length;
      yield block;
    }
  }

  clear(): void {
    this.byFirst = new Map();
  }

  /** A new block from `users[start]` on; users unchanged since `old` (the block that started there) are copied. */
  private writeBlock(users: readonly UserPresence[], start: number, old: Block | undefined, writeUser: WriteUser): Block {
    const out = new BodyWriter(old ? old.bytes.length * 1.25 : 0);
    const written: (WrittenUser | undefined)[] = [];
    const offsets: number[] = [];
    const online = users[start]!.online;
    for (let k = start; k < users.length; k++) {
      const presence = users[k]!;
      if (k > start) {
        if (written.length >= BLOCK_USERS || out.byteLength >= BLOCK_BYTES) break;
        // Offline users are never remembered: a block holds one kind or the other.
        if (presence.online !== online) break;
        const first = firstSession(presence);
        if (first && this.byFirst.has(first)) break;
      }
      offsets.push(out.byteLength);
      out.ascii(',');
      const j = old ? indexIn(old, presence, k - start) : -1;
      const was = j >= 0 ? old!.users[j] : undefined;
      if (was && matches(was, presence)) {
        out.bytes(old!.bytes.subarray(old!.offsets[j]! + 1, old!.offsets[j + 1]));
        written.push(was);
      } else {
        written.push(writeUser(out, presence));
      }
    }
    offsets.push(out.byteLength);
    const whole = out.whole();
    // The writer's Buffer grows by doubling; a block kept for the next answer should not keep that room.
    const bytes = whole.length < whole.buffer.byteLength * 0.75 ? Buffer.from(whole) : whole;
    return { users: written, bytes, offsets };
  }
}

/** Whether the block's users are, from `users[start]` on, the current ones unchanged. */
function blockMatches(block: Block, users: readonly UserPresence[], start: number): boolean {
  if (start + block.users.length > users.length) return false;
  for (let j = 0; j < block.users.length; j++) {
    const was = block.users[j];
    if (!was || !matches(was, users[start + j]!)) return false;
  }
  return true;
}

/** Where `presence` is among the old block's users: at `aligned` (nobody came or went before it) or anywhere. */
function indexIn(block: Block, presence: UserPresence, aligned: number): number {
  const first = firstSession(presence);
  if (!first) return -1;
  if (block.users[aligned]?.sessions[0] === first) return aligned;
  return block.users.findIndex((was) => was?.sessions[0] === first);
}

/** Whether writing `presence` now would give the bytes written from `was`. */
function matches(was: WrittenUser, presence: UserPresence): boolean {
  if (was.presence === presence) return true;
  if (was.user !== presence.user || was.view !== presence.lastView) return false;
  const sessions = presence.sessions;
  if (was.sessions.length !== sessions.length || was.seconds[0] !== toSeconds(presence.lastSeenAt)) return false;
  for (let i = 0; i < sessions.length; i++) {
    const session = sessions[i]!;
    if (was.sessions[i] !== session || was.seconds[i + 1] !== toSeconds(session.lastActivityAt)) return false;
  }
  return true;
}
