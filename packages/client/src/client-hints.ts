// User-Agent Client Hints, as the SDK reports them (specs/INGEST.md's open body, `clientHints`). Browsers
// freeze their user agents ("Windows NT 10.0" on Windows 11, "Mac OS X 10_15_7" on every Mac, the
// browser's major version only); navigator.userAgentData still tells the truth, asynchronously, in the
// browsers that have it (Chromium's, over HTTPS or on localhost). The server prefers it to the agent.
import { platform } from './platform.ts';
import type { BrandVersion, ClientHints } from './protocol.ts';

/**
 * The high-entropy values rollcall reads. `platform` comes with every answer; `architecture`, `bitness`
 * and the rest name nothing the server shows, so they are not asked for.
 */
export const HIGH_ENTROPY_HINTS = ['platformVersion', 'fullVersionList', 'model'] as const;

/** The contract's limits (core/input-schemas.ts): a longer value would get the whole hello refused. */
const FIELD_MAX = 128;
const BRANDS_MAX = 16;

/** What the SDK needs of navigator.userAgentData (not in TypeScript's DOM types yet). */
interface UserAgentDataLike {
  getHighEntropyValues(hints: string[]): Promise<unknown>;
}

/**
 * Asks the browser for its client hints; undefined at once where there are none to ask for (Firefox,
 * Safari, Node, insecure pages). The promise never rejects: a browser that refuses answers undefined.
 */
export function requestClientHints(navigatorLike: unknown = platform.navigator): Promise<ClientHints | undefined> | undefined {
  const data = (navigatorLike as { userAgentData?: Partial<UserAgentDataLike> } | undefined)?.userAgentData;
  if (typeof data?.getHighEntropyValues !== 'function') return undefined;
  try {
    return Promise.resolve(data.getHighEntropyValues([...HIGH_ENTROPY_HINTS])).then(toClientHints, () => undefined);
  } catch {
    return undefined;
  }
}

/**
 * The values rollcall takes from getHighEntropyValues' answer, checked and cut to the contract's limits;
 * undefined when none is usable. Anything else in the answer (brands, mobile, …) is left out, as the
 * server refuses unknown fields.
 */
export function toClientHints(values: unknown): ClientHints | undefined {
  if (typeof values !== 'object' || values === null) return undefined;
  const { platform, platformVersion, fullVersionList, model } = values as Record<string, unknown>;
  const hints: ClientHints = {};
  if (typeof platform === 'string') hints.platform = platform.slice(0, FIELD_MAX);
  if (typeof platformVersion === 'string') hints.platformVersion = platformVersion.slice(0, FIELD_MAX);
  if (Array.isArray(fullVersionList)) {
    const brands: BrandVersion[] = [];
    for (const entry of fullVersionList.slice(0, BRANDS_MAX) as unknown[]) {
      const { brand, version } = (entry ?? {}) as Record<string, unknown>;
      if (typeof brand === 'string' && typeof version === 'string')
        brands.push({ brand: brand.slice(0, FIELD_MAX), version: version.slice(0, FIELD_MAX) });
    }
    hints.fullVersionList = brands;
  }
  if (typeof model === 'string') hints.model = model.slice(0, FIELD_MAX);
  return Object.keys(hints).length > 0 ? hints : undefined;
}
