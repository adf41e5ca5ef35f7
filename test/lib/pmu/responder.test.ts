import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { respond } from '../../../lib/pmu/responder.js';

function recordingSink() {
  const sends: Array<{ at: number; data: string }> = [];
  let ended = false;
  const startedAt = performance.now();
  return {
    sink: {
      send: (data: string | Buffer) => sends.push({ at: performance.now() - startedAt, data: data.toString() }),
      end: () => (ended = true),
    },
    sends,
    ended: () => ended,
  };
}

const options = { messagesMin: 4, messagesMax: 4, firstMessageNumber: 1, floodText: Buffer.from('flood\ntext\n'), random: () => 0.5 };

describe('PMU responder', () => {
  it('sends n messages in n sends for d = 0, then ends', async () => {
    const { sink, sends, ended } = recordingSink();
    const sent = await respond({ kind: 'short', intervalSeconds: 0 }, sink, options).done;
    expect(sends.map((send) => send.data)).toEqual([1, 2, 3, 4].map(pmuMessage));
    expect(sent).toEqual({ bytes: sends.reduce((total, send) => total + send.data.length, 0), items: sends.map((send) => send.data) });
    expect(ended()).toBe(true);
  });

  it('counts from 0 when a year\'s server did (pmu.firstMessageNumber)', async () => {
    const { sink, sends } = recordingSink();
    await respond({ kind: 'short', intervalSeconds: 0 }, sink, { ...options, firstMessageNumber: 0 }).done;
    expect(sends.map((send) => send.data)).toEqual([0, 1, 2, 3].map(pmuMessage));
  });

  it('spaces the sends by d from the first one, without drift', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    onTestFinished(() => void vi.useRealTimers());
    const { sink, sends } = recordingSink();
    const response = respond({ kind: 'short', intervalSeconds: 0.05 }, sink, options);
    await vi.advanceTimersByTimeAsync(200);
    await response.done;
    expect(sends.map((send) => send.at)).toEqual([0, 50, 100, 150]);
  });

  it('draws n in the configured range', async () => {
    const counts = new Set<number>();
    for (const draw of [0, 0.34, 0.67, 0.999]) {
      const { sink } = recordingSink();
      const sent = await respond({ kind: 'short', intervalSeconds: 0 }, sink, { ...options, messagesMin: 5, messagesMax: 7, random: () => draw }).done;
      counts.add(sent.items.length);
    }
    expect([...counts].sort()).toEqual([5, 6, 7]);
  });

  it('sends the flood in one send', async () => {
    const { sink, sends } = recordingSink();
    const sent = await respond({ kind: 'flood' }, sink, options).done;
    expect(sends).toHaveLength(1);
    expect(sent).toEqual({ bytes: options.floodText.length, items: [options.floodText] });
  });

  it('stops when cancelled and reports what was sent', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const { sink, sends, ended } = recordingSink();
    const response = respond({ kind: 'short', intervalSeconds: 0.05 }, sink, options);
    await vi.advanceTimersByTimeAsync(70); // messages at 0 and 50 ms
    response.cancel();
    const sent = await response.done;
    expect(sent.items).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(120);
    expect(sends).toHaveLength(2);
    expect(ended()).toBe(false);
  });
});
