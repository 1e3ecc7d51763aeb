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
// the old block, the changed ones written from their fragments (presence-json-writer.ts), or, when only
// their times moved, copied with the new seconds written over the old.
//
// Fresh memory was most of a rewrite's cost (allocating a Buffer per block, page faults, collections),
// so blocks are written over where they are when nothing is sending them. An answer holds its blocks
// from the moment they are in it until its response closes (read-routes.ts); a block no answer holds
// takes a heartbeat's new seconds in place (as many digits: nothing else moves), or any other rewrite in
// its own memory when it fits. A held block is written anew and the held bytes stay as they were. Each
// change to a block (bytes, offsets, users) is one synchronous step, so an answer being made meanwhile
// sees the block before or after it, never a mix.
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
  /** Where each of `seconds` was written, from the user's first byte (after its comma). */
  at: readonly number[];
}

/**
 * Writes one user's JSON at the end of `out`; answers what it was written from, or undefined for a
 * user that cannot be remembered (an offline one: history makes a new object per answer).
 */
export type WriteUser = (out: BodyWriter, presence: UserPresence) => WrittenUser | undefined;

interface Block {
  /** Per user, what it was written from (undefined: never matches, always written again). */
  users: (WrittenUser | undefined)[];
  /**
   * Per user, `users[j]?.presence`, side by side: most users of an answer are the very objects of the
   * last one, and telling them apart in one array, without reading each WrittenUser, keeps an answer's
   * pass over 10,000 mostly unchanged users in cache (it was most of the cost of patching a heartbeat).
   */
  presences: (UserPresence | undefined)[];
  /** `,user,user,…`: a comma before every user, so blocks follow one another as they are. */
  bytes: Buffer;
  /**
   * The memory `bytes` begins, this block's alone (never Node's shared pool of small Buffers): a
   * rewrite of a free block goes here when it fits, so memory is reused rather than allocated anew.
   */
  room: Buffer;
  /** Where each user's comma is in `bytes`, then the end. */
  offsets: number[];
  /**
   * Answers being made or sent that hold this block. Only a block no answer holds is written over in
   * place (a heartbeat's new seconds); otherwise a changed block is written anew.
   */
  holds: number;
}

/**
 * An answer's pieces, and the blocks they are views of, held until `release` is called: the route
 * calls it once the response is finished or closed (the socket has all its bytes by then).
 */
export interface UsersAnswer {
  pieces: Buffer[];
  release(): void;
  /** Holds the blocks again, for another response of the same answer; answers its release. */
  hold(): () => void;
}

function holding(blocks: readonly Block[]): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const block of blocks) block.holds--;
  };
}

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

const firstSession = (presence: UserPresence): Session | undefined => (presence.online ? presence.sessions[0] : undefined);

export class UserBlocks {
  private byFirst = new Map<Session, Block>();
  /** Where a free block is written before it goes over its old bytes (they are copied from meanwhile). */
  private readonly scratch = new BodyWriter(BLOCK_BYTES * 2);

  /**
   * `users` as a JSON array, as pieces to send one after the other; yields to the event loop after
   * each `sliceMs` of work. Every user's times are read during the call, as a fresh write would. The
   * answer holds its blocks until released.
   */
  async write(users: readonly UserPresence[], writeUser: WriteUser, sliceMs = DEFAULT_SLICE_MS): Promise<UsersAnswer> {
    const order: Block[] = [];
    const release = holding(order);
    const kept = new Map<Session, Block>();
    try {
      await forEachSliced(
        this.blocks(users, writeUser, kept),
        (block) => {
          // Held from the moment it is in the answer: another answer made meanwhile leaves it be.
          block.holds++;
          order.push(block);
        },
        sliceMs,
      );
    } catch (error) {
      release();
      throw error;
    }
    // Another answer may have been written meanwhile (both yield): either one's blocks are sound.
    this.byFirst = kept;
    const pieces = order.map((block) => block.bytes);
    // The first user has no comma before it: a view that skips it.
    if (pieces[0]) pieces[0] = pieces[0].subarray(1);
    return {
      pieces: [OPEN, ...pieces, CLOSE],
      release,
      hold: () => {
        for (const block of order) block.holds++;
        return holding(order);
      },
    };
  }

  /** The blocks of `users` in order, the last answer's where they still hold; each one kept in `kept`. */
  private *blocks(users: readonly UserPresence[], writeUser: WriteUser, kept: Map<Session, Block>): Generator<Block> {
    let i = 0;
    while (i < users.length) {
      const first = firstSession(users[i]!);
      const old = first && this.byFirst.get(first);
      const changes = old && changesIn(old, users, i);
      // Unchanged, or only times moved and no answer is sending it: the block as it is, patched.
      const reused = changes === SAME || (changes && old!.holds === 0 && patch(old!, users, i, changes));
      const block = reused ? old! : this.writeBlock(users, i, old, writeUser);
      if (first) kept.set(first, block);
      i += block.users.length;
      yield block;
    }
  }

  clear(): void {
    this.byFirst = new Map();
  }

  /**
   * A new block from `users[start]` on; users unchanged since `old` (the block that started there) are
   * copied. When no answer holds `old`, the new block is written over it (the same object and memory).
   */
  private writeBlock(users: readonly UserPresence[], start: number, old: Block | undefined, writeUser: WriteUser): Block {
    const free = old !== undefined && old.holds === 0;
    const out = free ? this.scratch.clear() : new BodyWriter(old ? old.bytes.length * 1.25 : 0);
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
        // Most changes between answers are heartbeats: the same user, view and snapshots, other
        // seconds. Those users are copied and their times written over, not written again.
        const seconds = was && timesOnlyMoved(was, presence);
        if (seconds) {
          const userStart = out.byteLength;
          out.bytes(old!.bytes.subarray(old!.offsets[j]! + 1, old!.offsets[j + 1]));
          for (let t = 0; t < seconds.length; t++) out.overwrite(userStart + was.at[t]!, String(seconds[t]));
          written.push(movedOn(was, presence, seconds));
        } else {
          written.push(writeUser(out, presence));
        }
      }
    }
    offsets.push(out.byteLength);
    const whole = out.whole();
    if (free && whole.length <= old.room.length) {
      // Bytes, offsets and users change together, in one synchronous step: another answer being made
      // meanwhile sees the old block or the new one, never a mix.
      old.bytes = old.room.subarray(0, whole.length);
      whole.copy(old.bytes);
      old.offsets = offsets;
      old.users = written;
      old.presences = written.map((was) => was?.presence);
      return old;
    }
    // Written in a fresh writer, whose Buffer is its own (16 KB at least, never pooled), unless it grew
    // by doubling: a block kept for the next answer should not keep that much room.
    const room = !free && whole.length >= whole.buffer.byteLength * 0.75 ? Buffer.from(whole.buffer, whole.byteOffset) : ownCopy(whole);
    const presences = written.map((was) => was?.presence);
    return { users: written, presences, bytes: room.subarray(0, whole.length), room, offsets, holds: 0 };
  }
}

/** `bytes` copied into memory of their own, with a quarter more room for a later rewrite. */
function ownCopy(bytes: Buffer): Buffer {
  const room = Buffer.allocUnsafeSlow(Math.ceil(bytes.length * 1.25));
  bytes.copy(room);
  return room;
}

/** The block's users, from `users[start]` on, are the current ones unchanged. */
const SAME = 'same';

/** A user of a block that changed in its times only: its index, and the seconds to write (none when its bytes stay). */
interface TimesChange {
  index: number;
  seconds: number[] | undefined;
}

/**
 * How the block's users, from `users[start]` on, differ from the current ones: SAME, the users whose
 * times alone moved, or undefined when some user must be written again (or is another user).
 */
function changesIn(block: Block, users: readonly UserPresence[], start: number): typeof SAME | TimesChange[] | undefined {
  const count = block.presences.length;
  if (start + count > users.length) return undefined;
  let changes: TimesChange[] | undefined;
  for (let j = 0; j < count; j++) {
    const presence = users[start + j]!;
    if (block.presences[j] === presence) continue;
    const was = block.users[j];
    if (!was) return undefined;
    changes ??= [];
    // The same bytes from another object of the same user: only the object to remember changes.
    if (matches(was, presence)) changes.push({ index: j, seconds: undefined });
    else {
      const seconds = timesOnlyMoved(was, presence);
      if (!seconds) return undefined;
      changes.push({ index: j, seconds });
    }
  }
  return changes ?? SAME;
}

/**
 * Writes `changes` over the block's bytes: the new seconds over the old, as many digits, so nothing
 * else moves. Only for a block no answer holds: nothing is sending these bytes.
 */
function patch(block: Block, users: readonly UserPresence[], start: number, changes: readonly TimesChange[]): true {
  for (const { index, seconds } of changes) {
    const was = block.users[index]!;
    const presence = users[start + index]!;
    if (seconds) {
      const userStart = block.offsets[index]! + 1;
      for (let t = 0; t < seconds.length; t++) writeDigits(block.bytes, userStart + was.at[t]!, seconds[t]!, digits(seconds[t]!));
    }
    block.users[index] = movedOn(was, presence, seconds ?? was.seconds);
    block.presences[index] = presence;
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

/**
 * The seconds to write when `presence` differs from what `was` was written from in its times only, each
 * of the same number of digits (so every byte but theirs stays where it was); undefined otherwise.
 */
function timesOnlyMoved(was: WrittenUser, presence: UserPresence): number[] | undefined {
  // A user with several sessions takes its facts and view from one of them (core/user-facts.ts), and
  // each session has its own equal objects: compared by value.
  if (!sameFacts(was.user, presence.user) || !sameFacts(was.view, presence.lastView)) return undefined;
  const sessions = presence.sessions;
  if (was.sessions.length !== sessions.length) return undefined;
  const seconds = [toSeconds(presence.lastSeenAt)];
  for (let i = 0; i < sessions.length; i++) {
    if (was.sessions[i] !== sessions[i]) return undefined;
    seconds.push(toSeconds(sessions[i]!.lastActivityAt));
  }
  for (let t = 0; t < seconds.length; t++) if (digits(seconds[t]!) !== digits(was.seconds[t]!)) return undefined;
  return seconds;
}

/** What `was` says, for `presence` with `seconds` written: one shape for every WrittenUser (no spread). */
function movedOn(was: WrittenUser, presence: UserPresence, seconds: readonly number[]): WrittenUser {
  return { presence, user: was.user, view: was.view, sessions: was.sessions, seconds, at: was.at };
}

/** `n`'s `count` decimal digits at `at` (a number of as many digits), without making a string of it. */
function writeDigits(target: Uint8Array, at: number, n: number, count: number): void {
  for (let i = at + count - 1; i >= at; i--) {
    target[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** Digits of a whole number of seconds: 10 from 2001 to 2286, without making a string for it. */
const digits = (n: number) => (n >= 1e9 && n < 1e10 ? 10 : String(n).length);

/**
 * Whether two objects of facts (a user, a view: strings and numbers) would be written the same: the
 * same object, or the same keys with the same values, in the same order. A value that is an object is
 * compared by identity, so a deeper difference is never missed.
 */
function sameFacts(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i]!;
    if (key !== bKeys[i] || (a as Record<string, unknown>)[key] !== (b as Record<string, unknown>)[key]) return false;
  }
  return true;
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
