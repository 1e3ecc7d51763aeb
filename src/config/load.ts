// Loads the configuration: defaults < config file < ROLLCALL_* environment < CLI flags.
// Any invalid value stops the start with one readable message naming the setting and its source.
import { readFileSync } from 'node:fs';
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
}

/** `sessionTtl` → `ROLLCALL_SESSION_TTL`. */
export const envName = (key: string): string => `ROLLCALL_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

export function loadConfig(sources: ConfigSources = {}): Config {
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const take = (values: Record<string, unknown>, from: (key: string) => string) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      merged[key] = value;
      origin[key] = from(key);
    }
  };

  if (sources.file) take(readConfigFile(sources.file), (key) => `${key} in ${sources.file}`);
  const env = sources.env ?? {};
  const fromEnv: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  take(fromEnv, envName);
  take(sources.flags ?? {}, (key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      if (issue.code === 'unrecognized_keys') return `unknown setting(s) ${issue.keys.join(', ')}`;
      return `${origin[key] ?? key}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
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
