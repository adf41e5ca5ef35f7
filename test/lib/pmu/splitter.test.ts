import { describe, expect, it } from 'vitest';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { seededRandom } from '../../../lib/pmu/flood.js';
import { PmuMessageSplitter, type StreamItem } from '../../../lib/pmu/splitter.js';

function split(chunks: string[]): StreamItem[] {
  const splitter = new PmuMessageSplitter();
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
}

const messages = (count: number) => Array.from({ length: count }, (_, index) => pmuMessage(index + 1));
const asItems = (texts: string[]) => texts.map((text) => ({ kind: 'message', text }));

describe('PMU message splitter', () => {
  it('splits a whole stream, emitting the last message at EOF', () => {
    const splitter = new PmuMessageSplitter();
    expect(splitter.push(messages(3).join(''))).toEqual(asItems(messages(2)));
    expect(splitter.end()).toEqual(asItems([pmuMessage(3)]));
  });

  it('waits when a boundary falls inside a number: "…data 1" | "2This…"', () => {
    const splitter = new PmuMessageSplitter();
    expect(splitter.push('This is PMU data 1')).toEqual([]);
    expect(splitter.push('2This is')).toEqual(asItems(['This is PMU data 12']));
    expect(splitter.push(' PMU data 13')).toEqual([]);
    expect(splitter.end()).toEqual(asItems(['This is PMU data 13']));
  });

  it('handles a boundary inside "This is" and one message over many reads', () => {
    expect(split(['This is PMU data 1Th', 'is is PMU d', 'ata 2'])).toEqual(asItems(messages(2)));
    expect(split([...'This is PMU data 7'])).toEqual(asItems(['This is PMU data 7']));
  });

  it('flags what is not a PMU message instead of dropping it', () => {
    expect(split(['ERROR: unknown command\n'])).toEqual([{ kind: 'unexpected', text: 'ERROR: unknown command\n' }]);
    expect(split(['This is PMU data 1 garbage This is PMU data 2'])).toEqual([
      { kind: 'message', text: 'This is PMU data 1' },
      { kind: 'unexpected', text: ' garbage ' },
      { kind: 'message', text: 'This is PMU data 2' },
    ]);
    expect(split(['This is PMU data X', 'This is PMU data 3'])).toEqual([
      { kind: 'unexpected', text: 'This is PMU data X' },
      { kind: 'message', text: 'This is PMU data 3' },
    ]);
    expect(split(['xyzThis is', ' PMU data 4'])).toEqual([
      { kind: 'unexpected', text: 'xyz' },
      { kind: 'message', text: 'This is PMU data 4' },
    ]);
    expect(split(['This is PMU'])).toEqual([{ kind: 'unexpected', text: 'This is PMU' }]);
  });

  it('is exact for random chunkings of streams of up to 1,000 messages (property)', () => {
    const random = seededRandom(2026);
    for (let trial = 0; trial < 300; trial += 1) {
      const count = 1 + Math.floor(random() ** 2 * 1000);
      const expected = messages(count);
      const stream = expected.join('');
      const maxChunk = 1 + Math.floor(random() * (trial % 3 === 0 ? 7 : 200));
      const chunks: string[] = [];
      for (let offset = 0; offset < stream.length; ) {
        const size = 1 + Math.floor(random() * maxChunk);
        chunks.push(stream.slice(offset, offset + size));
        offset += size;
      }
      expect(split(chunks), `trial ${trial}: ${count} messages, chunks ≤ ${maxChunk}`).toEqual(asItems(expected));
    }
  });
});
