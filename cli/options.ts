import { InvalidArgumentError, Option } from 'commander';
import { type FormatName, parseWithFormat } from '../config/formats.js';

/**
 * A command's flag checked with the schema format of the setting it stands for, so that
 * `pdc --port seventy` is refused exactly like `--client.pmuTcp.port seventy`, by commander,
 * with exit code 2 and one line.
 */
export function formatOption(flags: string, description: string, format: FormatName, repeatable = false): Option {
  return new Option(flags, description).argParser((value: string, previous: unknown) => {
    let parsed: unknown;
    try {
      parsed = parseWithFormat(format, value);
    } catch (error) {
      throw new InvalidArgumentError(`${(error as Error).message}.`);
    }
    return repeatable ? [...((previous as unknown[] | undefined) ?? []), parsed] : parsed;
  });
}

/** Settings overrides from flags: keys whose flag was not given are left to the configuration. */
export function settingOverrides(pairs: Record<string, unknown>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(pairs).map(([key, value]) => [key, value === undefined ? undefined : String(value)]));
}
