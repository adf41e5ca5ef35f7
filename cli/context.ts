import type { Command } from 'commander';
import type { LoadedConfig } from '../config/index.js';
import { socklabError } from '../lib/errors.js';

export interface GlobalOptions {
  profile?: string;
  config?: string;
  json?: boolean;
}

/** A setting given as a flag named after its key: --prober.port 5004 or --prober.port=5004. */
const SETTING_FLAG = /^--([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)(?:=(.*))?$/s;

export interface SplitArguments {
  commandArgs: string[];
  settings: Array<{ key: string; value: string }>;
}

/** Takes the setting flags out of argv, so that commander sees only the commands' own flags. */
export function splitSettingFlags(argv: readonly string[]): SplitArguments {
  const commandArgs: string[] = [];
  const settings: SplitArguments['settings'] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (token === '--') {
      commandArgs.push(...argv.slice(index));
      break;
    }
    const match = SETTING_FLAG.exec(token);
    if (!match) {
      commandArgs.push(token);
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      value = argv[index + 1];
      if (value === undefined) throw socklabError('SOCKLAB_ERR_USAGE', `setting --${match[1]} needs a value`);
      index += 1;
    }
    settings.push({ key: match[1]!, value });
  }
  return { commandArgs, settings };
}

/** What every command shares: the global flags and the configuration they select. */
export class CliContext {
  constructor(private readonly settings: SplitArguments['settings']) {}

  globals(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  /**
   * Loads the configuration once a command needs it (so `--help` never pays for convict).
   * `overrides` are the command's own flags that stand for a setting (`pdc --port` for a target port).
   */
  async config(command: Command, overrides: Record<string, string | undefined> = {}): Promise<LoadedConfig> {
    const { loadConfig, settingKeys } = await import('../config/index.js');
    const known = new Set(settingKeys());
    const unknown = this.settings.find(({ key }) => !known.has(key));
    if (unknown) {
      throw socklabError('SOCKLAB_ERR_USAGE', `unknown setting --${unknown.key}; see \`socklab config show\` for every key`);
    }
    const fromFlags = Object.entries(overrides)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => ({ key, value }));
    const args = [...this.settings, ...fromFlags].flatMap(({ key, value }) => [`--${key}`, value]);
    const globals = this.globals(command);
    return loadConfig({ profile: globals.profile, configFile: globals.config, args });
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
