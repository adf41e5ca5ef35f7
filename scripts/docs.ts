import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { configKeysMarkdown } from '../config/docs.js';
import { projectRoot } from '../lib/paths.js';

/** `npm run docs`: writes the pages generated from the code (docs/configuration-keys.md). */
const file = path.join(projectRoot, 'docs', 'configuration-keys.md');
writeFileSync(file, configKeysMarkdown());
process.stdout.write(`wrote ${file}\n`);
