import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProfiles, loadConfig, settingKeys } from '../../config/index.js';
import { envName, isLeaf, schema } from '../../config/schema.js';
import { SocklabError } from '../../lib/errors.js';

function configFile(content: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-config-'));
  const file = path.join(dir, 'overlay.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function configProblem(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(SocklabError);
    expect((error as SocklabError).exitCode).toBe(2);
    const message = (error as SocklabError).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('has both profiles, and the local one points everything at loopback', () => {
    expect(listProfiles()).toEqual(['epfl', 'local']);
    const { config, profile } = loadConfig({ env: {} });
    expect(profile).toBe('local');
    expect(config.prober.hosts).toEqual(['127.0.0.1', '::1']);
    expect(config.recorder.iface).toBe('127.0.0.1');
    expect(config.lab.tv.iface).toBe('127.0.0.1');
    expect(config.lab.pmuTcp.port).toBe(5003);
    expect(config.lab.pmuUdp.port).toBe(5004);
    expect(config.lab.tv.group).toBe('224.1.1.1');
    expect(config.lab.pmuWs.port).toBe(5006);
    expect(config.tlsPmu.port).toBe(5007);
  });

  it('reads the course hosts from the epfl profile (parsed only, never contacted)', () => {
    const { config } = loadConfig({ env: { SOCKLAB_PROFILE: 'epfl' } });
    expect(config.prober.hosts).toEqual([expect.stringMatching(/^lab3\.iw\./)]);
    expect(config.client.pmuTcp.host).toMatch(/^tcpip\./);
  });

  it('gives every key a doc, a format, a default and an environment variable named after it', () => {
    const leaves = settingKeys();
    expect(leaves).toContain('lab.pmuUdp.dropProbability');
    for (const key of leaves) {
      const node = key.split('.').reduce<Record<string, unknown>>((parent, name) => parent[name] as Record<string, unknown>, schema);
      expect(isLeaf(node), key).toBe(true);
      expect(node).toMatchObject({ env: envName(key), arg: key });
      expect(typeof node.doc, key).toBe('string');
      expect(node.format, key).toBeDefined();
    }
    expect(envName('lab.pmuTcp.port')).toBe('SOCKLAB_LAB_PMU_TCP_PORT');
  });

  it('applies defaults < profile < config file < environment < flags', () => {
    const file = configFile({ prober: { port: 6001, n: 7, timeoutMs: 300 }, lab: { pmuUdp: { port: 7001 } } });
    const { config } = loadConfig({
      configFile: file,
      env: { SOCKLAB_PROBER_N: '8', SOCKLAB_PROBER_TIMEOUT_MS: '400' },
      args: ['--prober.timeoutMs', '500'],
    });
    expect(config.prober.maxRounds).toBe(20); // schema default
    expect(config.prober.hosts).toEqual(['127.0.0.1', '::1']); // profile
    expect(config.lab.pmuUdp.port).toBe(7001); // file
    expect(config.prober.port).toBe(6001); // file
    expect(config.prober.n).toBe(8); // environment over file
    expect(config.prober.timeoutMs).toBe(500); // flag over environment
  });

  it('takes the config file from SOCKLAB_CONFIG and lists, schedules and probabilities from the environment', () => {
    const file = configFile({ lab: { pmuUdp: { dropProbability: 0.5 } } });
    const { config, configFile: used } = loadConfig({
      env: {
        SOCKLAB_CONFIG: file,
        SOCKLAB_PROBER_HOSTS: '::1, 127.0.0.2',
        SOCKLAB_LAB_PMU_UDP_SCHEDULE: '[{"from":"22:00","to":"02:00","family":"IPv6"}]',
      },
    });
    expect(used).toBe(file);
    expect(config.lab.pmuUdp.dropProbability).toBe(0.5);
    expect(config.prober.hosts).toEqual(['::1', '127.0.0.2']);
    expect(config.lab.pmuUdp.schedule).toEqual([{ from: '22:00', to: '02:00', family: 'IPv6' }]);
  });

  it('refuses a bad profile, naming the allowed ones', () => {
    expect(configProblem(() => loadConfig({ profile: 'moon', env: {} }))).toBe(
      'invalid configuration: unknown profile "moon"; allowed profiles: epfl, local',
    );
  });

  it('refuses a value of the wrong format, naming key, value and what is allowed', () => {
    const file = configFile({ prober: { port: 'seventy' } });
    expect(configProblem(() => loadConfig({ configFile: file, env: {} }))).toBe(
      'invalid configuration: prober.port: must be a port number from 0 to 65535: value was "seventy"',
    );
    expect(configProblem(() => loadConfig({ env: { SOCKLAB_LAB_PMU_UDP_DROP_PROBABILITY: '1.5' } }))).toContain(
      'lab.pmuUdp.dropProbability: must be a probability from 0 to 1: value was 1.5',
    );
    expect(configProblem(() => loadConfig({ env: {}, args: ['--lab.tv.group', '192.0.2.1'] }))).toContain(
      'lab.tv.group: must be an IPv4 multicast address',
    );
  });

  it('refuses unknown keys and unknown SOCKLAB_ variables', () => {
    const file = configFile({ prober: { prot: 5004 } });
    expect(configProblem(() => loadConfig({ configFile: file, env: {} }))).toBe(
      'invalid configuration: unknown setting prober.prot; allowed under prober: hosts, port, n, timeoutMs, maxRounds, intervalSeconds, db, maxPendingRows',
    );
    expect(configProblem(() => loadConfig({ env: { SOCKLAB_PROBER_PROT: '1' } }))).toContain(
      'unknown environment variable SOCKLAB_PROBER_PROT',
    );
  });

  it('refuses unreadable, non-JSON and non-object config files', () => {
    expect(configProblem(() => loadConfig({ configFile: '/nonexistent/socklab.json', env: {} }))).toContain('cannot be read (ENOENT)');
    expect(configProblem(() => loadConfig({ configFile: configFile('{ nope'), env: {} }))).toContain('is not valid JSON');
    expect(configProblem(() => loadConfig({ configFile: configFile('[1]'), env: {} }))).toContain('must hold a JSON object');
  });

  it('checks settings against each other', () => {
    const file = configFile({ pmu: { messagesMin: 9, messagesMax: 3 } });
    expect(configProblem(() => loadConfig({ configFile: file, env: {} }))).toContain(
      'pmu.messagesMin (9) must not exceed pmu.messagesMax (3)',
    );
  });

  it('masks sensitive values when shown, and freezes what services receive', () => {
    const loaded = loadConfig({ env: { SOCKLAB_TLS_PMU_PASSPHRASE: 'hunter2' } });
    expect(loaded.config.tlsPmu.passphrase).toBe('hunter2');
    expect(JSON.stringify(loaded.redacted())).not.toContain('hunter2');
    expect(Object.isFrozen(loaded.config.lab.pmuTcp)).toBe(true);
  });
});
