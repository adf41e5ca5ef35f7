import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/index.js';
import { hostsFile, studentAddresses, withAliases } from '../../../lib/campus/hosts.js';

describe('campus hosts', () => {
  const { config } = loadConfig({ profile: 'local', env: {} });
  const epfl = loadConfig({ profile: 'epfl', env: {} }).config;

  it('has the epfl profile\'s names by default, on documentation addresses of both families', () => {
    const names = config.campus.hosts.flatMap((host) => [host.name, ...host.aliases]);
    expect(names).toEqual(expect.arrayContaining([epfl.client.pmuTcp.host, new URL(epfl.client.pmuWs.url!).hostname, ...epfl.prober.hosts, 'lab3.iew.epfl.ch']));
    for (const host of config.campus.hosts) {
      expect(host.ipv4.every((address) => address.startsWith('192.0.2.') || address.startsWith('198.51.100.'))).toBe(true);
      expect(host.ipv6.length).toBeGreaterThan(0);
      expect(host.ipv6.every((address) => address.startsWith('2001:db8:'))).toBe(true);
    }
  });

  it('writes each name on its host\'s first address of each family', () => {
    const lines = hostsFile(config.campus.hosts).split('\n');
    expect(lines).toContain('192.0.2.10\ttcpip.epfl.ch');
    expect(lines).toContain('2001:db8::10\ttcpip.epfl.ch');
    expect(lines).toContain('192.0.2.20\tlab3.iw.epfl.ch lab3.iew.epfl.ch');
    expect(lines).toContain('127.0.0.1\tlocalhost');
  });

  it('takes --alias NAME=HOST as another name, or another address served like the host\'s own', () => {
    const hosts = withAliases(config.campus.hosts, ['pmu.example.test=tcpip.epfl.ch', '198.51.100.7=lab3.iew.epfl.ch', '2001:db8:1::7=lab3.iw.epfl.ch']);
    expect(hosts[0]!.aliases).toEqual(['pmu.example.test']);
    expect(hosts[1]!.ipv4).toEqual(['192.0.2.20', '198.51.100.7']);
    expect(hosts[1]!.ipv6).toEqual(['2001:db8::20', '2001:db8:1::7']);
    expect(config.campus.hosts[1]!.ipv4).toEqual(['192.0.2.20']); // the configuration itself is left as it was
    expect(() => withAliases(config.campus.hosts, ['x=nowhere.example'])).toThrow(/no course host nowhere\.example/);
    expect(() => withAliases(config.campus.hosts, ['no-equals'])).toThrow(/expected NAME=HOST/);
  });

  it('numbers the student hosts from 192.0.2.100 and 2001:db8::100', () => {
    expect(studentAddresses(0)).toEqual({ ipv4: '192.0.2.100', ipv6: '2001:db8::100' });
    expect(studentAddresses(5)).toEqual({ ipv4: '192.0.2.105', ipv6: '2001:db8::105' });
  });
});
