import os from 'node:os';
import { formatHostPort, type MachineAddress } from '../../lib/address.js';
import { certificateNames, certificateValidFor } from '../../lib/certs/host-names.js';

/** The name a grader will use: `tlsPmu.publicName`, else this machine's host name. */
export function publicName(configured: string): string {
  return configured || os.hostname();
}

export interface ExposureFacts {
  port: number;
  cert: Buffer;
  name: string;
  addresses: readonly MachineAddress[];
  helloTimeoutMs: number;
  maxConnections: number;
  maxPendingPerAddress: number;
}

export interface ExposureLine {
  level: 'info' | 'warn';
  message: string;
}

/** What an exposed TLS PMU says on start: where it is reached, for which names, and what that means. */
export function exposureLines(facts: ExposureFacts): ExposureLine[] {
  const { port, addresses, name } = facts;
  const names = certificateNames(facts.cert);
  const listed = `${names.altNames.length > 0 ? names.altNames.join(', ') : 'no subject alternative name'}${names.commonName ? ` (CN ${names.commonName})` : ''}`;
  const valid = certificateValidFor(facts.cert, name);
  return [
    { level: 'info', message: `exposed: listening on port ${port} of every address of this machine, IPv4 and IPv6` },
    addresses.length > 0
      ? { level: 'info', message: `reachable at ${addresses.map((entry) => `tls://${formatHostPort(entry.address, port)}`).join(', ')}` }
      : { level: 'warn', message: 'this machine has no address beyond loopback: no other machine can reach the PMU' },
    valid
      ? { level: 'info', message: `certificate names: ${listed}; "${name}", the name a grader uses, is among them` }
      : {
          level: 'warn',
          message: `certificate names: ${listed}; "${name}", the name a grader uses, is NOT among them: a grader that checks the name refuses the certificate (ask for one with \`socklab cert csr --san DNS:${name}\`, or set tlsPmu.publicName to a name it has)`,
        },
    {
      level: 'warn',
      message: `anyone who can reach port ${port} can now reach the PMU; it holds at most ${facts.maxConnections} connections, ${facts.maxPendingPerAddress} waiting per address, and closes one that sends nothing within ${facts.helloTimeoutMs / 1000} s`,
    },
  ];
}
