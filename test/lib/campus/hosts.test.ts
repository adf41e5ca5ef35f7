import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/index.js';
import { courseNames, hostsFile } from '../../../lib/campus/hosts.js';

describe('campus hosts file', () => {
  it('maps the epfl profile\'s names: the PMU host to 127.0.0.1, the RESET host to 127.0.0.1 and ::1', () => {
    const { config } = loadConfig({ profile: 'epfl', env: {} });
    const names = courseNames({ pmuTcpHost: config.client.pmuTcp.host, pmuWsUrl: config.client.pmuWs.url, proberHosts: config.prober.hosts });
    const [pmuHost] = names.ipv4;
    const [resetHost] = names.dualStack;
    expect(names.ipv4).toHaveLength(1); // the TCP and WebSocket PMU share one name
    expect(names.dualStack).toHaveLength(1);
    const lines = hostsFile(names).split('\n');
    expect(lines).toContain(`127.0.0.1\t${pmuHost}`);
    expect(lines).toContain(`127.0.0.1\t${resetHost}`);
    expect(lines).toContain(`::1\t${resetHost}`);
    expect(lines).toContain('127.0.0.1\tlocalhost');
  });

  it('leaves addresses and localhost alone (the local profile needs no names)', () => {
    expect(courseNames({ pmuTcpHost: '127.0.0.1', pmuWsUrl: 'ws://localhost:5006', proberHosts: ['127.0.0.1', '::1'] })).toEqual({ ipv4: [], dualStack: [] });
  });
});
