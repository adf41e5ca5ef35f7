import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/paths.js';

// The tree as the README's development page draws it: imports point one way
// (cli → services → config → lib), no import circle, and files of one concept each.
const LAYERS = ['lib', 'config', 'services', 'cli'] as const;

function sources(dir: string): string[] {
  return readdirSync(path.join(projectRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

const FILES = ['cli', 'services', 'config', 'lib', 'scripts'].flatMap(sources);

/** The project files `file` imports (static and dynamic), as paths from the project root. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(projectRoot, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => path.join(path.dirname(file), specifier).replace(/\.js$/, '.ts'));
}

const layerOf = (file: string) => LAYERS.indexOf(file.split(path.sep)[0] as (typeof LAYERS)[number]);

describe('the tree', () => {
  it('imports one way: cli → services → config → lib', () => {
    const upward = FILES.filter((file) => layerOf(file) >= 0).flatMap((file) =>
      importsOf(file)
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    const graph = new Map(FILES.map((file) => [file, importsOf(file).filter((target) => FILES.includes(target))]));
    const circles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') return void circles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of FILES) visit(file, []);
    expect([...graph.values()].flat().length).toBeGreaterThan(200); // the imports were read
    expect(circles).toEqual([]);
  });

  it('keeps its files to about 300 lines (the declarative schema apart)', () => {
    const long = FILES.filter((file) => file !== path.join('config', 'schema.ts'))
      .map((file) => [file, readFileSync(path.join(projectRoot, file), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 320);
    expect(long).toEqual([]);
  });
});
