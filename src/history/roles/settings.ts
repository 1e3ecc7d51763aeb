// Small named values (first-start markers, the health probe) and atomic counters (session id blocks).

export interface SettingsStore {
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Adds `by` to a named counter atomically and answers the value before the addition (0 at first). */
  advanceCounter(name: string, by: number): Promise<number>;
}
