import { type PmuCommand, pmuMessage } from './command.js';

export interface PmuResponderOptions {
  messagesMin: number;
  messagesMax: number;
  /** 1 as the handout ("This is PMU data 1"), 0 as a later year's server. */
  firstMessageNumber: number;
  floodText: Buffer;
  random: () => number;
}

/** One transport's way of sending: a TCP/TLS socket write, or a WebSocket text message. */
export interface PmuSink {
  send(data: string | Buffer): void;
  end(): void;
}

export interface PmuSent {
  bytes: number;
  /** What was sent, one item per send(), in order (kept by reference: the flood is not copied). */
  items: Array<string | Buffer>;
}

export interface PmuResponse {
  done: Promise<PmuSent>;
  /** Stops sending (peer gone, server closing); `done` resolves with what was sent. */
  cancel(): void;
}

/**
 * Serves one command the way the course's PMU does: CMD_short:d sends n messages, each in its
 * own send() with d seconds between two sends and no delimiter (handout part 2, Q11–Q13), then
 * closes; CMD_floodme sends the whole text in one send() (Q14–Q16), then closes.
 * Messages are scheduled from the first one, so d = 1 over n messages does not drift.
 */
export function respond(command: PmuCommand, sink: PmuSink, options: PmuResponderOptions): PmuResponse {
  const sent: PmuSent = { bytes: 0, items: [] };
  let finish!: (value: PmuSent) => void;
  const done = new Promise<PmuSent>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const end = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    finish(sent);
  };
  const send = (data: string | Buffer): void => {
    sink.send(data);
    sent.items.push(data);
    sent.bytes += Buffer.byteLength(data);
  };

  if (command.kind === 'flood') {
    send(options.floodText);
    sink.end();
    end();
    return { done, cancel: end };
  }

  const span = options.messagesMax - options.messagesMin + 1;
  const count = options.messagesMin + Math.floor(options.random() * span);
  const intervalMs = command.intervalSeconds * 1000;
  if (intervalMs === 0) {
    for (let index = 0; index < count; index += 1) send(pmuMessage(options.firstMessageNumber + index));
    sink.end();
    end();
    return { done, cancel: end };
  }
  const startedAt = performance.now();
  const sendNext = (): void => {
    if (finished) return;
    send(pmuMessage(options.firstMessageNumber + sent.items.length));
    if (sent.items.length === count) {
      sink.end();
      end();
      return;
    }
    timer = setTimeout(sendNext, Math.max(0, startedAt + sent.items.length * intervalMs - performance.now()));
  };
  sendNext();
  return { done, cancel: end };
}
