import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CA_CERT } from '../../../lib/certs/ca.js';
import { ensureLocalServerCertificate } from '../../../lib/certs/local.js';
import { pythonSuitesOffered } from '../../../lib/clients/hello-catcher.js';
import { closeServer, listen } from '../../../lib/listen.js';
import { waitFor } from '../../helpers.js';

const canCapture = process.getuid?.() === 0 && ['tcpdump', 'tshark', 'python3'].every((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);
const GRADER = path.join(__dirname, '..', '..', 'interop', 'python', 'part6_pdc.py');

describe.runIf(canCapture)('the suites a Python client offers (Q27)', () => {
  it('are as many as tshark counts in the ClientHello of the handout\'s grader, captured (±0)', async () => {
    const measured = await pythonSuitesOffered('python3');
    expect(measured).not.toBeNull();

    // The handout's grader (SSLContext(PROTOCOL_SSLv23)) says hello to a listener that hangs up, under tcpdump.
    const listener = net.createServer((socket) => {
      socket.on('error', () => undefined); // the grader gives up with a reset
      socket.once('data', () => socket.end('not TLS\r\n'));
    });
    const { port } = await listen(listener, { host: '127.0.0.1', port: 0 });
    onTestFinished(() => closeServer(listener));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-hello-'));
    const file = path.join(dir, 'hello.pcap');
    ensureLocalServerCertificate({ keyFile: path.join(dir, 'key.pem'), certFile: path.join(dir, 'cert.pem'), caDir: path.join(dir, 'ca') });
    const tcpdump = spawn('tcpdump', ['-i', 'lo', '-U', '-nn', '-w', file, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    onTestFinished(() => {
      tcpdump.kill('SIGKILL');
    });
    let said = '';
    tcpdump.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await waitFor('tcpdump to listen', () => said.includes('listening'));
    // Not spawnSync: the listener in this process must answer while the grader runs.
    await new Promise((resolve) => spawn('python3', [GRADER, '127.0.0.1', String(port), path.join(dir, 'ca', CA_CERT), 'CMD_short:0'], { stdio: 'ignore' }).once('close', resolve));
    // libpcap hands tcpdump its packets in blocks: the ClientHello is in the file once tshark finds it there.
    const hello = () => spawnSync('tshark', ['-r', file, '-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tls.handshake.ciphersuite'], { encoding: 'utf8' }).stdout.trim();
    const fields = await waitFor('the ClientHello in the capture', () => hello() || undefined);
    const stopped = new Promise((resolve) => tcpdump.once('exit', resolve));
    tcpdump.kill('SIGINT');
    await stopped;
    // tshark lists TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff) with the suites; it is a signal, not a suite (RFC 5746 §3.3).
    const suites = fields.split(',').filter((suite) => suite !== '' && Number(suite) !== 0x00ff);
    expect(suites.length).toBeGreaterThan(3);
    expect(measured!.suites).toBe(suites.length);
  });
});
