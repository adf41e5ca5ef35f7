import { spawn } from 'node:child_process';
import net from 'node:net';
import { clientHelloProgress, offeredSuites } from '../client-hello.js';
import { closeServer, listen } from '../listen.js';

/**
 * The ClientHello a client sends: a listener of our own on loopback reads it and hangs up. What it
 * offers (suites, extensions) is then read from the bytes a capture would show.
 */
export async function catchClientHello(connect: (port: number) => void, timeoutMs = 10_000): Promise<Buffer> {
  const server = net.createServer();
  const hello = new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ClientHello within ${timeoutMs / 1000} s`)), timeoutMs);
    server.once('connection', (socket) => {
      let received = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const progress = clientHelloProgress(received);
        if (progress === 'incomplete') return;
        clearTimeout(timer);
        socket.destroy();
        if (progress === 'complete') resolve(received);
        else reject(new Error('not a ClientHello'));
      });
    });
  });
  try {
    const { port } = await listen(server, { host: '127.0.0.1', port: 0 });
    connect(port);
    return await hello;
  } finally {
    await closeServer(server);
  }
}

/** The handout's grader: Python's ssl.SSLContext(PROTOCOL_SSLv23) with the course CA; its ClientHello is what a student's Wireshark shows. */
const GRADER_HELLO = `
import socket, ssl, sys, warnings
warnings.simplefilter('ignore', DeprecationWarning)
context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
try:
    context.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))), server_hostname='localhost')
except (OSError, ssl.SSLError):
    pass
`;

export interface PythonOffer {
  suites: number;
  /** The interpreter and its OpenSSL, as the figure depends on both. */
  interpreter: string;
}

/** The suites Python's client offers (the handout's grader's context), or null where there is no `python` to run. */
export async function pythonSuitesOffered(python: string): Promise<PythonOffer | null> {
  const version = await new Promise<string | null>((resolve) => {
    const child = spawn(python, ['-c', 'import ssl, sys; print(sys.executable, sys.version.split()[0], ssl.OPENSSL_VERSION)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? output.trim() : null));
  });
  if (version === null) return null;
  const hello = await catchClientHello((port) => {
    spawn(python, ['-c', GRADER_HELLO, String(port)], { stdio: 'ignore' }).on('error', () => undefined);
  });
  return { suites: offeredSuites(hello).length, interpreter: version };
}
