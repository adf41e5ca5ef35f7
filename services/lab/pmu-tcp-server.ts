import net from 'node:net';
import { ConnectionAdmission } from '../../lib/admission.js';
import { closeServer, listen, once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import type { SessionCounters } from '../../lib/pmu/sessions.js';
import { PmuStreamHandler, type PmuStreamOptions } from '../../lib/pmu/stream-handler.js';
import { formatHostPort } from '../../lib/address.js';

export interface PmuTcpServerOptions extends PmuStreamOptions {
  host: string;
  port: number;
  /** Connections at once; idle ones (no command yet) are evicted, oldest first, to make room. */
  maxConnections: number;
  /** Connections one address may hold before sending a command. */
  maxPendingPerAddress: number;
  /** On close, time given to the sessions under way before they are cut. */
  drainMs: number;
}

/** The course's PMU over TCP (handout part 2, port 5003). */
export class PmuTcpServer {
  private readonly handler: PmuStreamHandler;
  private readonly admission: ConnectionAdmission;
  // allowHalfOpen: a client may shut down its sending side after the command and still read the answer.
  private readonly server = net.createServer({ allowHalfOpen: true });

  constructor(
    private readonly options: Readonly<PmuTcpServerOptions>,
    private readonly logger: Logger,
  ) {
    this.handler = new PmuStreamHandler(options, logger);
    this.admission = new ConnectionAdmission(options);
    this.server.on('connection', (socket) => {
      if (!this.admission.admit(socket)) this.handler.refuse(socket, 'server busy');
      else this.handler.handle(socket, () => this.admission.settle(socket));
    });
  }

  get counters(): SessionCounters & { evicted: number } {
    return { ...this.handler.counters, evicted: this.admission.evicted };
  }

  async listen(): Promise<net.AddressInfo> {
    const address = await listen(this.server, { host: this.options.host, port: this.options.port });
    this.logger.info('listening', { url: `tcp://${formatHostPort(address.address, address.port)}` });
    return address;
  }

  readonly close = once(async () => {
    const closed = closeServer(this.server);
    await this.handler.closeAll(this.options.drainMs);
    await closed;
  });
}


