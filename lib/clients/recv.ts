import type net from 'node:net';

/** Stops and restarts reading, for back-pressure. */
export interface Reader {
  pause(): void;
  resume(): void;
}

/**
 * Reads a socket the way `recv(size)` does in the handout's code: each read takes at most `size`
 * bytes of what has arrived (paused mode), so the number of reads depends on the buffer size and
 * on how the data arrived (Q6, Q16). With no size, one read is one 'data' event.
 */
export function readSocket(socket: net.Socket, size: number | undefined, onChunk: (chunk: Buffer) => void): Reader {
  if (size === undefined) {
    socket.on('data', onChunk);
    return { pause: () => socket.pause(), resume: () => socket.resume() };
  }
  let paused = false;
  const drain = (): void => {
    while (!paused) {
      // With nothing buffered, read() returns null, and at EOF that is what lets 'end' fire.
      const chunk = socket.read(Math.min(size, socket.readableLength || size)) as Buffer | null;
      if (chunk === null) return;
      onChunk(chunk);
    }
  };
  socket.on('readable', drain);
  return {
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      drain();
    },
  };
}

/** A peer as Python prints it: ('127.0.0.1', 5002) or ('::1', 5002, 0, 0). */
export function pythonAddress(address: string, port: number): string {
  return address.includes(':') ? `('${address}', ${port}, 0, 0)` : `('${address}', ${port})`;
}
