// Loads the configuration: defaults < config file < ROLLCALL_* environment < CLI flags.
// Any invalid value stops the start with one readable message naming the setting and its source.
import { readFileSync } from 'node:fs';
import { checkDataDir, checkTrustProxy } from './checks.ts';
import { CONFIG_KEYS, configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  /** Path of a JSON file whose keys are the schema's (camelCase). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags, already keyed by schema key. Undefined values are ignored. */
  flags?: Record<string, unknown>;
  /** Where warnings go (a ROLLCALL_* variable that is no setting); default: standard error. */
  warn?: (message: string) => void;
}

/** ROLLCALL_* variables read elsewhere (CLI commands, the test runner): not settings, and no mistake. */
const OTHER_VARIABLES = new Set(['ROLLCALL_NEW_PASSWORD', 'ROLLCALL_NEW_WEBHOOK_SECRET', 'ROLLCALL_REQUIRE_ALL']);

const warnOnStderr = (message: string) => process.stderr.write(`rollcall: warning: ${message}\n`);

/** `sessionTtl` → `ROLLCALL_SESSION_TTL`. */
export const envName = (key: string): string => `ROLLCALL_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const SETTING_KEYS: ReadonlySet<string> = new Set(CONFIG_KEYS);

export function loadConfig(sources: ConfigSources = {}): Config {
  // No prototype: a key named __proto__ (JSON.parse makes it an own key) stays a key, never a prototype.
  const merged: Record<string, unknown> = Object.create(null);
  const origin: Record<string, string> = Object.create(null);
  const problems: string[] = [];
  const take = (values: Record<string, unknown>, from: (key: string) => string) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      // Checked here, not left to the schema's strictness: zod reads keys through the object, and an
      // unknown key must be reported with where it came from.
      if (!SETTING_KEYS.has(key)) {
        problems.push(`${from(key)}: unknown setting${closest(key, CONFIG_KEYS, (k) => k)}`);
        continue;
      }
      merged[key] = value;
      origin[key] = from(key);
    }
  };

  if (sources.file) take(readConfigFile(sources.file), (key) => `${key} in ${sources.file}`);
  const env = sources.env ?? {};
  warnUnknownVariables(env, sources.warn ?? warnOnStderr);
  const fromEnv: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  take(fromEnv, envName);
  take(sources.flags ?? {}, (key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);

  const parsed = configSchema.safeParse({ ...merged });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      if (issue.code === 'unrecognized_keys') problems.push(`unknown setting(s) ${issue.keys.join(', ')}`);
      else problems.push(`${origin[key] ?? key}: ${issue.message}`);
    }
  } else {
    const config = parsed.data;
    const named = (key: keyof Config, problem: string | undefined) => {
      if (problem !== undefined) problems.push(`${origin[key] ?? key}: ${problem}`);
    };
    named('trustProxy', checkTrustProxy(config.trustProxy));
    named('dataDir', checkDataDir(config.dataDir));
    if (config.headersTimeoutMs > config.requestTimeoutMs) {
      // Node refuses it too, with a message that names neither setting.
      named('headersTimeoutMs', `must not exceed requestTimeoutMs (${config.requestTimeoutMs}): headers are part of the request`);
    }
    if (problems.length === 0) return config;
  }
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

/** A ROLLCALL_* variable that names no setting is a typo until shown otherwise: say so, and what was meant. */
function warnUnknownVariables(env: NodeJS.ProcessEnv, warn: (message: string) => void): void {
  const settingNames = CONFIG_KEYS.map(envName);
  const known = new Set(settingNames);
  for (const name of Object.keys(env)) {
    if (!name.startsWith('ROLLCALL_') || known.has(name) || OTHER_VARIABLES.has(name)) continue;
    warn(`${name} is not a setting and is ignored${closest(name, settingNames, (n) => n)}`);
  }
}

/** `; did you mean X?` for the candidate within a few edits of `given`, or nothing when none is close. */
function closest<T>(given: string, candidates: readonly T[], nameOf: (candidate: T) => string): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const name = nameOf(candidate);
    const distance = editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  // A third of the name may be wrong: ROLLCALL_PROT is PORT, ROLLCALL_ZZZ is nothing.
  const tolerated = Math.max(2, Math.floor((given.length - 'ROLLCALL_'.length) / 3));
  return best !== undefined && bestDistance <= tolerated ? `; did you mean ${best}?` : '';
}

/** Levenshtein distance, with a transposition counting as one edit (PROT → PORT). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      row[j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}
