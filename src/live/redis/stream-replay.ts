// Changes read back from the cluster's change stream, for a stream client that returns with an event
// id older than what its node kept itself (the node started after the client left). The stream holds
// the latest changes of the whole cluster (MAXLEN), so any node can replay them, numbered as they were
// announced: every node derives the same changes from an entry (stream-entries.ts).
import type { SequencedChange } from '../live-store.ts';
import type { RedisConnection } from './connection.ts';
import type { StoreKeys } from './keys.ts';
import { decodeEntry, lastSeqOf, type RawEntry } from './stream-entries.ts';

/** Entries per XRANGE: a change entry holds up to a hundred changes. */
const PAGE = 100;

/**
 * Up to `limit` changes after `afterSeq`, oldest first; undefined when the stream no longer holds the
 * one right after it (trimmed, or a new epoch began since), so the caller knows it cannot replay.
 */
export async function readChangesSince(
  commands: RedisConnection,
  keys: StoreKeys,
  afterSeq: number,
  limit: number,
): Promise<SequencedChange[] | undefined> {
  const changes: SequencedChange[] = [];
  // The entry holding afterSeq may have started before it (a batch of ends), so reading starts at the
  // entry with the largest first seq at or before it.
  const [start] = await commands.send<RawEntry[]>(['XREVRANGE', keys.stream, `${afterSeq}-0`, '-', 'COUNT', '1']);
  if (!start) return undefined;
  let expected = afterSeq + 1;
  let from = start[0];
  for (;;) {
    const page = await commands.send<RawEntry[]>(['XRANGE', keys.stream, from, '+', 'COUNT', String(PAGE)]);
    for (const raw of page) {
      const entry = decodeEntry(raw);
      if (entry.kind === 'reassert' || entry.kind === 'activity') continue;
      if (entry.kind === 'raise') {
        if (lastSeqOf(entry) >= expected) expected = lastSeqOf(entry) + 1;
        continue;
      }
      for (const [i, change] of entry.changes.entries()) {
        const seq = entry.firstSeq + i;
        if (seq < expected) continue;
        // A seq missing from the stream: something between was trimmed or never made it here.
        if (seq !== expected) return undefined;
        if (changes.length === limit) return changes;
        changes.push({ seq, change });
        expected = seq + 1;
      }
    }
    if (page.length < PAGE) return changes;
    from = `(${page.at(-1)![0]}`;
  }
}
