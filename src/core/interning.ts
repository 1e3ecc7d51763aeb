// Sessions repeat a few strings endlessly: a fleet has a handful of user agents, platforms, view
// modules and user types, and each parsed request body carries its own copy of them. Interning keeps
// one copy per distinct value, which is most of what a session would otherwise spend on strings.
import { type BrandVersion, CLIENT_TYPES, type ClientHints, type ClientType, type Platform, type View } from './model.ts';

/**
 * One copy of each distinct string, up to `limit` of them. A full table starts over rather than
 * growing, so values that stop being common (an old browser version) are not kept forever and the
 * common ones come back at their next use.
 */
class StringTable {
  private readonly strings = new Map<string, string>();

  constructor(private readonly limit: number) {}

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }
}

/** A table of frozen values that are equal by a key made from their fields. */
class ValueTable<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly limit: number) {}

  intern(key: string, make: () => T): T {
    const known = this.values.get(key);
    if (known !== undefined) return known;
    if (this.values.size >= this.limit) this.values.clear();
    const value = Object.freeze(make());
    this.values.set(key, value);
    return value;
  }
}

const TABLE_LIMIT = 4096;
const userAgents = new StringTable(TABLE_LIMIT);
const words = new StringTable(TABLE_LIMIT);
const platforms = new ValueTable<Platform>(TABLE_LIMIT);
const clientHints = new ValueTable<ClientHints>(TABLE_LIMIT);

export const internUserAgent = (value: string | undefined) => (value === undefined ? undefined : userAgents.intern(value));

/** Short words that repeat across sessions: user types, view modules and views, representative types. */
export const internWord = <T extends string | undefined>(value: T): T => (value === undefined ? value : (words.intern(value) as T));

/** Platforms are shared, frozen objects: sessions never change one in place, they get another. */
export const internPlatform = (value: Platform | undefined): Platform | undefined =>
  value === undefined ? undefined : platforms.intern(`${value.id}\n${value.name}`, () => ({ id: value.id, name: value.name }));

/**
 * Client hints are shared, frozen objects too: a fleet has few browser builds. The copy has the model's
 * keys in the model's order (absent ones left out, whatever the body's order was), so a session read
 * back from another node deep-equals the one opened here.
 */
export const internClientHints = (value: ClientHints | undefined): ClientHints | undefined => {
  if (value === undefined) return undefined;
  const { platform, platformVersion, fullVersionList, model } = value;
  return clientHints.intern(JSON.stringify([platform, platformVersion, fullVersionList?.map((b) => [b.brand, b.version]), model]), () => {
    const copy: ClientHints = {};
    if (platform !== undefined) copy.platform = platform;
    if (platformVersion !== undefined) copy.platformVersion = platformVersion;
    if (fullVersionList !== undefined) {
      // Frozen like the object around it; typed as the model types it, which never changes one in place.
      copy.fullVersionList = Object.freeze(
        fullVersionList.map(({ brand, version }) => Object.freeze({ brand, version })),
      ) as BrandVersion[];
    }
    if (model !== undefined) copy.model = model;
    return copy;
  });
};

/** A view's module and view repeat; its target rarely does, so the object is the session's own. */
export const internView = (value: View | undefined): View | undefined =>
  value === undefined ? undefined : { m: internWord(value.m), v: internWord(value.v), t: value.t };

/** The validated client type, as the shared constant. */
export const internClientType = (value: ClientType): ClientType => CLIENT_TYPES.find((type) => type === value) ?? value;
