import { plural } from '../../lib/words.js';

/**
 * An app's pm2 metrics as people read them: its own counters grouped and named ("PMU over TCP:
 * 3 sessions, 1.0 MiB sent"), and the runtime's internals (heap, event loop, handles) apart, for
 * those who want them.
 */
export interface DescribedCounters {
  groups: Array<{ title: string; text: string }>;
  runtime: Array<[string, string]>;
}

const number = (value: string | undefined): number => (value === undefined ? 0 : Number.parseFloat(value) || 0);

function bytes(count: number): string {
  if (count >= 1048576) return `${(count / 1048576).toFixed(1)} MiB`;
  if (count >= 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return plural(count, 'byte');
}

/** Per app: which metrics are its own, and how each group reads. */
const GROUPS: Record<string, Array<{ title: string; prefix: string; text: (get: (name: string) => number) => string }>> = {
  lab: [
    { title: 'PMU over TCP', prefix: 'pmu-tcp ', text: (get) => `${plural(get('sessions'), 'session')}, ${bytes(get('bytesSent'))} sent` },
    { title: 'RESET server', prefix: 'pmu-udp ', text: (get) => `${plural(get('received'), 'request')}, ${get('answered')} answered, ${get('dropped')} dropped on purpose` },
    { title: 'TV channel', prefix: 'tv ', text: (get) => `${plural(get('broadcast'), 'line')}, ${plural(get('replies'), 'reply', 'replies')}` },
    { title: 'PMU over WebSocket', prefix: 'pmu-ws ', text: (get) => `${plural(get('sessions'), 'session')}, ${bytes(get('bytesSent'))} sent` },
  ],
  'tls-pmu': [
    {
      title: 'TLS PMU',
      prefix: '',
      text: (get) => `${plural(get('sessions'), 'session')} (TLS 1.3: ${get('TLSv1.3 sessions')}, TLS 1.2: ${get('TLSv1.2 sessions')}), ${plural(get('handshake failures'), 'failed handshake')}, ${get('idle connections evicted')} idle evicted`,
    },
  ],
  'mcast-recorder': [{ title: 'Recorder', prefix: '', text: (get) => `${get('rows stored')} stored, ${get('rows lost')} lost, ${get('rows stored per second')}/s` }],
  'reset-prober': [{ title: 'Prober', prefix: '', text: (get) => `${plural(get('probes'), 'probe')}, ${plural(get('overruns'), 'overrun')}` }],
};

/** The metrics each group reads, by app (the rest are the runtime's). */
const OWN: Record<string, RegExp> = {
  lab: /^(pmu-tcp|pmu-udp|tv|pmu-ws) /,
  'tls-pmu': /^(sessions|active sessions|handshake failures|TLSv1\.[23] sessions|idle connections evicted)$/,
  'mcast-recorder': /^(datagrams received|rows (stored|lost|pending)|rows stored per second)$/,
  'reset-prober': /^(IPv[46] last probe|probes|overruns)$/,
};

export function describeCounters(app: string, metrics: Record<string, string>): DescribedCounters {
  const own = OWN[app];
  const present = (prefix: string) => Object.keys(metrics).some((name) => name.startsWith(prefix) && own?.test(name));
  const groups = (GROUPS[app] ?? []).filter((group) => present(group.prefix)).map((group) => ({ title: group.title, text: group.text((name) => number(metrics[`${group.prefix}${name}`])) }));
  // The prober's last result per family is already words.
  for (const family of ['IPv4', 'IPv6']) {
    const last = metrics[`${family} last probe`];
    if (app === 'reset-prober' && last !== undefined && last !== 'null') groups.push({ title: `${family} last probe`, text: last });
  }
  return { groups, runtime: Object.entries(metrics).filter(([name]) => !own?.test(name)) };
}
