import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import convict from 'convict';
import { socklabError } from '../lib/errors.js';
import { projectRoot, resolveProjectPath } from '../lib/paths.js';
import { FORMATS } from './formats.js';
import { type Config, envName, isLeaf, schema } from './schema.js';

export type { Config } from './schema.js';

export const DEFAULT_PROFILE = 'local';
const PROFILE_DIR = path.join(projectRoot, 'config');
/** Variables that choose where configuration comes from, rather than being a setting themselves. */
const SOURCE_VARIABLES = new Set(['SOCKLAB_PROFILE', 'SOCKLAB_CONFIG']);

export interface ConfigSources {
  /** Profile name; else SOCKLAB_PROFILE; else "local". */
  profile?: string;
  /** JSON file merged over the profile; else SOCKLAB_CONFIG. */
  configFile?: string;
  /** Environment to read SOCKLAB_* settings from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Settings as command-line flags named after their key: ["--prober.port", "5004"]. */
  args?: string[];
}

export interface LoadedConfig {
  profile: string;
  configFile: string | null;
  config: Config;
  /** The effective configuration with sensitive values masked. */
  redacted(): Record<string, unknown>;
}

export function listProfiles(): string[] {
  return readdirSync(PROFILE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Every setting's key path, e.g. "lab.pmuTcp.port". */
export function settingKeys(node: object = schema, prefix = ''): string[] {
  return Object.entries(node).flatMap(([name, child]) => {
    const keyPath = prefix ? `${prefix}.${name}` : name;
    return isLeaf(child) ? [keyPath] : settingKeys(child as object, keyPath);
  });
}

function configError(message: string): never {
  throw socklabError('SOCKLAB_ERR_CONFIG', `invalid configuration: ${message}`);
}

function readJsonFile(file: string, what: string): object {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    configError(`${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    configError(`${what} ${file} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    configError(`${what} ${file} must hold a JSON object`);
  }
  return value;
}

/** Rewrites convict's multi-line report as one line that names each key, its value and what is allowed. */
function oneLine(report: string, keys: string[]): string {
  return report
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
      if (!undeclared) return line;
      const key = undeclared[1]!;
      const parent = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
      const siblings = keys
        .filter((k) => (parent ? k.startsWith(`${parent}.`) : true))
        .map((k) => k.slice(parent ? parent.length + 1 : 0).split('.')[0]);
      const allowed = [...new Set(siblings)];
      return allowed.length > 0
        ? `unknown setting ${key}; allowed${parent ? ` under ${parent}` : ''}: ${allowed.join(', ')}`
        : `unknown setting ${key}`;
    })
    .join('; ');
}

let formatsRegistered = false;

function registerFormats(): void {
  if (formatsRegistered) return;
  convict.addFormats(Object.fromEntries(FORMATS.map((format) => [format.name, format])));
  formatsRegistered = true;
}

export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  registerFormats();
  const env = sources.env ?? process.env;
  const profile = sources.profile ?? env.SOCKLAB_PROFILE ?? DEFAULT_PROFILE;
  const profiles = listProfiles();
  if (!profiles.includes(profile)) {
    configError(`unknown profile "${profile}"; allowed profiles: ${profiles.join(', ')}`);
  }
  const keys = settingKeys();
  const knownVariables = new Set(keys.map(envName));
  const strayVariable = Object.keys(env).find(
    (name) => name.startsWith('SOCKLAB_') && !knownVariables.has(name) && !SOURCE_VARIABLES.has(name),
  );
  if (strayVariable) configError(`unknown environment variable ${strayVariable}; settings are named like ${envName('prober.port')}`);

  const configFile = sources.configFile ?? (env.SOCKLAB_CONFIG || undefined);
  const config = convict(schema as never, { env, args: sources.args ?? [] }) as convict.Config<Config>;
  try {
    config.load(readJsonFile(path.join(PROFILE_DIR, `${profile}.json`), 'profile file'));
    if (configFile) config.load(readJsonFile(resolveProjectPath(configFile), 'config file'));
    config.validate({ allowed: 'strict' });
  } catch (error) {
    if ((error as { code?: string }).code === 'SOCKLAB_ERR_CONFIG') throw error;
    configError(oneLine((error as Error).message, keys));
  }
  const values = config.getProperties();
  if (values.pmu.messagesMin > values.pmu.messagesMax) {
    configError(
      `pmu.messagesMin (${values.pmu.messagesMin}) must not exceed pmu.messagesMax (${values.pmu.messagesMax})`,
    );
  }
  return {
    profile,
    configFile: configFile ?? null,
    config: deepFreeze(values),
    redacted: () => JSON.parse(config.toString()) as Record<string, unknown>,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
