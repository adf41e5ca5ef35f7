import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeysMarkdown } from '../../config/docs.js';
import { settingKeys } from '../../config/index.js';
import { projectRoot } from '../../lib/paths.js';

describe('docs/configuration-keys.md', () => {
  it('is the schema as it stands (npm run docs writes it), every key in it', () => {
    const page = readFileSync(path.join(projectRoot, 'docs', 'configuration-keys.md'), 'utf8');
    expect(page).toBe(configKeysMarkdown());
    for (const key of settingKeys()) expect(page, key).toContain(`| \`${key}\` |`);
  });
});
