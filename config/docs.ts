import { isLeaf, schema } from './schema.js';

/** A default as a reader types it: JSON, long lists cut short. */
function shown(value: unknown): string {
  if (value === null) return '(each profile sets it)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function format(value: unknown): string {
  return Array.isArray(value) ? value.map((item) => JSON.stringify(item)).join(' | ') : String(value);
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * docs/configuration-keys.md, made from the one schema (config/schema.ts): every key with what it
 * does, its format, its default, its environment variable. `npm run docs` writes it; a test keeps
 * it current.
 */
export function configKeysMarkdown(): string {
  const lines = [
    '# Configuration keys',
    '',
    'Generated from `config/schema.ts` by `npm run docs`; do not edit by hand. Every key is also a flag',
    '(`--key value`) and an environment variable; see [configuration.md](configuration.md) for profiles and precedence.',
    '',
  ];
  for (const [section, node] of Object.entries(schema)) {
    lines.push(`## ${section}`, '', '| key | what it does | format | default | environment |', '| --- | --- | --- | --- | --- |');
    const walk = (value: object, prefix: string): void => {
      for (const [name, child] of Object.entries(value)) {
        const key = `${prefix}.${name}`;
        if (isLeaf(child)) lines.push(`| \`${key}\` | ${cell(child.doc)} | ${cell(format(child.format))} | \`${cell(shown(child.default))}\` | \`${child.env}\` |`);
        else walk(child as object, key);
      }
    };
    walk(node as object, section);
    lines.push('');
  }
  return lines.join('\n');
}
