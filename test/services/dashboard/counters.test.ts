import { describe, expect, it } from 'vitest';
import { describeCounters } from '../../../services/dashboard/counters.js';

describe('describeCounters', () => {
  it('groups an app\'s own counters in words and keeps the runtime\'s apart', () => {
    const lab = describeCounters('lab', {
      'pmu-tcp sessions': '3',
      'pmu-tcp bytesSent': '1048576',
      'pmu-udp received': '4',
      'pmu-udp answered': '3',
      'pmu-udp dropped': '1',
      'tv broadcast': '35',
      'tv replies': '1',
      'Used Heap Size': '12.5 MiB',
      'Event Loop Latency p95': '1.2 ms',
    });
    expect(lab.groups).toEqual([
      { title: 'PMU over TCP', text: '3 sessions, 1.0 MiB sent' },
      { title: 'RESET server', text: '4 requests, 3 answered, 1 dropped on purpose' },
      { title: 'TV channel', text: '35 lines, 1 reply' },
    ]);
    expect(lab.runtime).toEqual([['Used Heap Size', '12.5 MiB'], ['Event Loop Latency p95', '1.2 ms']]);
    expect(describeCounters('mcast-recorder', { 'rows stored': '66', 'rows lost': '0', 'rows stored per second': '1 rows/s' }).groups).toEqual([{ title: 'Recorder', text: '66 stored, 0 lost, 1/s' }]);
    expect(describeCounters('reset-prober', { probes: '1', overruns: '0', 'IPv4 last probe': 'answered after 1 round at …' }).groups).toEqual([
      { title: 'Prober', text: '1 probe, 0 overruns' },
      { title: 'IPv4 last probe', text: 'answered after 1 round at …' },
    ]);
    expect(describeCounters('dashboard', { 'Heap Usage': '40 %' })).toEqual({ groups: [], runtime: [['Heap Usage', '40 %']] });
  });
});
