// An answer shared by every request of a cache window (response-cache.ts), with what HTTP needs to
// serve it cheaply to a crowd: a validator for conditional requests and a gzip form, each made at most
// once per answer, when a request first needs it, and shared like the answer.
import { webcrypto } from 'node:crypto';
import { gzipEnding, gzipPrefix, type GzipPrefix } from './gzip-member.ts';

/** Bytes of the SHA-256 kept in a tag: 128 bits, ample against accidental equality. */
const DIGEST_BYTES = 16;

export class SharedAnswer {
  private digestMemo: Promise<string> | undefined;
  private prefixMemo: Promise<GzipPrefix> | undefined;
  private gzipMemo: Promise<Buffer> | undefined;

  /** `body`: the shared bytes, never changed afterwards. */
  constructor(readonly body: Buffer) {}

  /**
   * A hash of the bytes, as the opaque part of an entity tag. A content hash rather than a counter or a
   * time: equal answers get equal tags on every node of a cluster and in every window, so a poller
   * whose answer did not change gets 304 also after the window moved on or the load balancer sent it
   * elsewhere. Web Crypto hashes in the thread pool: the megabytes never hold the event loop.
   */
  digest(): Promise<string> {
    this.digestMemo ??= webcrypto.subtle
      .digest('SHA-256', this.body)
      .then((hash) => Buffer.from(hash, 0, DIGEST_BYTES).toString('base64url'));
    return this.digestMemo;
  }

  /** The body deflated once, as the start of a gzip member (gzip-member.ts). */
  gzipPrefix(): Promise<GzipPrefix> {
    this.prefixMemo ??= gzipPrefix(this.body);
    return this.prefixMemo;
  }

  /** The whole body as one gzip member, for answers with no part of the request's own. */
  gzipped(): Promise<Buffer> {
    this.gzipMemo ??= this.gzipPrefix().then((prefix) => Buffer.concat([prefix.bytes, gzipEnding(prefix)]));
    return this.gzipMemo;
  }
}
