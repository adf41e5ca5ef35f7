import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Connection, ExperimentResult, Measurement } from './experiments/index.js';

/**
 * A tcpdump for the whole notebook (--pcap): one file, a key log beside it for TLS. On loopback it
 * captures `lo`; in the campus every interface of the student host (`any`): the course hosts are
 * across `eth0`, the TLS PMU on its own `lo`, and each packet is seen once.
 */
export class Capture {
  private constructor(
    private readonly tcpdump: ChildProcess,
    readonly file: string,
  ) {}

  /** Starts tcpdump on the servers' ports and resolves once it listens; null (and why) where tcpdump cannot run. */
  static async start(file: string, ports: readonly number[], iface: 'lo' | 'any'): Promise<{ capture: Capture | null; problem?: string }> {
    // -B 32768: a 32 MiB ring, or the kernel drops packets of the flood's burst; -U: written as read.
    const filter = `tcp and (${ports.map((port) => `port ${port}`).join(' or ')})`;
    const tcpdump = spawn('tcpdump', ['-B', '32768', '-U', '-i', iface, '-nn', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Promise((resolve) => {
      let said = '';
      const stopped = () => resolve({ capture: null, problem: `tcpdump stopped: ${said.trim()}` });
      tcpdump.on('error', (error) => resolve({ capture: null, problem: `tcpdump cannot run: ${error.message}` }));
      tcpdump.once('exit', stopped);
      const listening = (chunk: Buffer): void => {
        said += chunk.toString();
        if (!said.includes('listening')) return;
        tcpdump.off('exit', stopped);
        tcpdump.stderr!.off('data', listening);
        tcpdump.stderr!.resume(); // its closing statistics are read and dropped
        resolve({ capture: new Capture(tcpdump, file) });
      };
      tcpdump.stderr!.on('data', listening);
    });
  }

  /** libpcap hands tcpdump whole blocks (a full one, or after 1 s): stops once the file has not grown for 2 s (10 s at most). */
  async stop(): Promise<void> {
    if (this.tcpdump.exitCode !== null || this.tcpdump.signalCode !== null) return;
    for (let waited = 0; waited < 10_000; waited += 2000) {
      const before = statSync(this.file).size;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      if (statSync(this.file).size === before) break;
    }
    const exited = new Promise((resolve) => this.tcpdump.once('exit', resolve));
    this.tcpdump.kill('SIGINT');
    await exited;
  }

  /** Payload packets of one connection, in capture order: true when from the server. */
  private packets(connection: Connection): boolean[] {
    const { stdout } = spawnSync('tcpdump', ['-nn', '-r', this.file, `tcp port ${connection.serverPort} and tcp port ${connection.clientPort}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return stdout
      .split('\n')
      .filter((line) => / length [1-9]\d*$/.test(line))
      .map((line) => line.includes(`.${connection.serverPort} > `));
  }

  /** What the capture counts on an experiment's connection, beside what socklab counted. */
  compare(experiment: ExperimentResult): Measurement[] {
    const { connection } = experiment;
    if (!connection) return [];
    const packets = this.packets(connection);
    if ('segments' in connection.counted) {
      const captured = packets.filter((fromServer) => fromServer).length;
      return [{ question: connection.question, name: 'packets with payload from the PMU in the capture', value: captured, unit: 'packets' }];
    }
    // The command is the client's third payload packet in TLS 1.2 (ClientHello, ClientKeyExchange…Finished)
    // and in TLS 1.3 (ClientHello, Finished): what comes before it is the handshake.
    let sentByClient = 0;
    let command = packets.length;
    packets.forEach((fromServer, index) => {
      if (!fromServer && ++sentByClient === 3 && command === packets.length) command = index;
    });
    const handshake = packets.slice(0, command);
    return [
      { question: 'Q26', name: 'handshake packets with payload to the server in the capture', value: handshake.filter((fromServer) => !fromServer).length, unit: 'packets' },
      { question: 'Q26', name: 'handshake packets with payload from the server in the capture', value: handshake.filter((fromServer) => fromServer).length, unit: 'packets' },
    ];
  }
}
