import { spawnSync } from 'node:child_process';
import { escapeHtml } from '../../lib/html.js';

/**
 * What a student would look at in Wireshark, drawn from the notebook's capture with tshark: the
 * PMU's segments over time (Q11), the flood's segments against the client's recv() calls (Q16),
 * WebSocket frames against TCP segments (Q23, Q25), the TLS handshake as a ladder (Q26). Each is a
 * self-contained SVG (no script) with one mark per segment, read or record; the same points go to
 * notebook.json.
 */

/** A connection of the capture: the server's port and the client's. */
export interface Flow {
  serverPort: number;
  clientPort: number;
}

/** A point: seconds since the flow's first packet, and bytes. */
export interface Point {
  t: number;
  bytes: number;
}

export interface LadderRecord {
  t: number;
  fromClient: boolean;
  label: string;
}

export interface Picture {
  question: string;
  title: string;
  svg: string;
  /** The marks drawn, by series: what a test counts against tshark. */
  marks: { [series: string]: number };
  data: unknown;
}

function tshark(file: string, args: string[]): string[][] {
  const result = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=\t', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`tshark: ${result.stderr.trim().split('\n')[0]}`);
  return result.stdout.split('\n').filter(Boolean).map((line) => line.split('\t'));
}

const between = (flow: Flow) => `tcp.port==${flow.serverPort} && tcp.port==${flow.clientPort}`;

/** Packets with payload from the server on `flow`: time and TCP payload length. */
export function serverSegments(file: string, flow: Flow): Array<{ epoch: number; bytes: number }> {
  return tshark(file, ['-Y', `${between(flow)} && tcp.srcport==${flow.serverPort} && tcp.len>0`, '-e', 'frame.time_epoch', '-e', 'tcp.len']).map(([epoch, length]) => ({ epoch: Number(epoch), bytes: Number(length) }));
}

/** WebSocket frames from the server on `flow` (tshark reassembles a frame over its segments): time and payload length. */
export function serverFrames(file: string, flow: Flow): Array<{ epoch: number; bytes: number }> {
  return tshark(file, ['-d', `tcp.port==${flow.serverPort},http`, '-Y', `${between(flow)} && tcp.srcport==${flow.serverPort} && websocket`, '-e', 'frame.time_epoch', '-e', 'websocket.payload_length']).flatMap(([epoch, lengths]) =>
    (lengths ?? '').split(',').filter(Boolean).map((length) => ({ epoch: Number(epoch), bytes: Number(length) })),
  );
}

const CONTENT: { [type: string]: string } = { '20': 'ChangeCipherSpec', '21': 'Alert', '22': 'Handshake', '23': 'Application Data' };
const HANDSHAKE: { [type: string]: string } = {
  '1': 'ClientHello', '2': 'ServerHello', '4': 'NewSessionTicket', '8': 'EncryptedExtensions', '11': 'Certificate', '12': 'ServerKeyExchange',
  '13': 'CertificateRequest', '14': 'ServerHelloDone', '15': 'CertificateVerify', '16': 'ClientKeyExchange', '20': 'Finished',
};

/** TLS records on `flow`, decrypted with the key log where it has the keys: direction and type, one per record. */
export function tlsRecords(file: string, flow: Flow, keylog: string): Array<{ epoch: number; fromClient: boolean; label: string }> {
  const rows = tshark(file, ['-o', `tls.keylog_file:${keylog}`, '-d', `tcp.port==${flow.serverPort},tls`, '-Y', `${between(flow)} && tls.record`, '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tls.record.content_type', '-e', 'tls.handshake.type']);
  return rows.flatMap(([epoch, source, contents, handshakes]) => {
    const messages = (handshakes ?? '').split(',').filter(Boolean);
    return (contents ?? '').split(',').filter(Boolean).map((content) => {
      const message = content === '22' ? messages.shift() : undefined;
      const label = content === '22' ? (message ? HANDSHAKE[message] ?? `Handshake ${message}` : 'Encrypted Handshake Message') : CONTENT[content] ?? `type ${content}`;
      return { epoch: Number(epoch), fromClient: Number(source) === flow.clientPort, label };
    });
  });
}

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { left: 56, right: 12, top: 24, bottom: 34 };

function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const step = 10 ** Math.floor(Math.log10(max));
  const nice = max / step > 5 ? step * 2 : max / step > 2 ? step : step / 2;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, index) => Number((index * nice).toPrecision(6)));
}

/** A scatter plot: time (s) across, bytes up, one mark per point of each series. */
export function scatter(title: string, series: Array<{ name: string; shape: 'circle' | 'square'; colour: string; points: Point[] }>): string {
  const all = series.flatMap((entry) => entry.points);
  const maxT = Math.max(1e-3, ...all.map((point) => point.t));
  const maxBytes = Math.max(1, ...all.map((point) => point.bytes));
  const x = (t: number) => MARGIN.left + (t / maxT) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (bytes: number) => HEIGHT - MARGIN.bottom - (bytes / maxBytes) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const axes = [
    `<line x1="${MARGIN.left}" y1="${HEIGHT - MARGIN.bottom}" x2="${WIDTH - MARGIN.right}" y2="${HEIGHT - MARGIN.bottom}" stroke="#888"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${HEIGHT - MARGIN.bottom}" stroke="#888"/>`,
    ...ticks(maxT).map((t) => `<text x="${x(t).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="middle">${t}</text>`),
    ...ticks(maxBytes).map((bytes) => `<text x="${MARGIN.left - 4}" y="${(y(bytes) + 3).toFixed(1)}" text-anchor="end">${bytes}</text>`),
    `<text x="${(WIDTH / 2).toFixed(0)}" y="${HEIGHT - 4}" text-anchor="middle">seconds since the first packet</text>`,
    `<text x="12" y="${(HEIGHT / 2).toFixed(0)}" transform="rotate(-90 12 ${(HEIGHT / 2).toFixed(0)})" text-anchor="middle">bytes</text>`,
  ];
  const marks = series.flatMap((entry) =>
    entry.points.map((point) =>
      entry.shape === 'circle'
        ? `<circle class="mark ${entry.name.replace(/\W+/g, '-')}" cx="${x(point.t).toFixed(1)}" cy="${y(point.bytes).toFixed(1)}" r="3" fill="${entry.colour}" fill-opacity="0.7"><title>${point.t.toFixed(6)} s: ${point.bytes} B</title></circle>`
        : `<rect class="mark ${entry.name.replace(/\W+/g, '-')}" x="${(x(point.t) - 3).toFixed(1)}" y="${(y(point.bytes) - 3).toFixed(1)}" width="6" height="6" fill="none" stroke="${entry.colour}"><title>${point.t.toFixed(6)} s: ${point.bytes} B</title></rect>`,
    ),
  );
  const legend = series.map((entry, index) => `<text x="${MARGIN.left + 10 + index * 200}" y="14" fill="${entry.colour}">${entry.shape === 'circle' ? '●' : '□'} ${escapeHtml(entry.name)} (${entry.points.length})</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}" font-size="10" font-family="system-ui, sans-serif">${axes.join('')}${legend.join('')}${marks.join('')}</svg>`;
}

/** The handshake as a ladder: client and server columns, an arrow per record with its type. */
export function ladder(title: string, records: readonly LadderRecord[]): string {
  const rowHeight = 22;
  const height = 40 + records.length * rowHeight;
  const client = 120;
  const server = WIDTH - 120;
  const arrows = records.map((record, index) => {
    const y = 40 + index * rowHeight;
    const [from, to] = record.fromClient ? [client, server] : [server, client];
    const head = record.fromClient ? `${to - 8},${y - 4} ${to},${y} ${to - 8},${y + 4}` : `${to + 8},${y - 4} ${to},${y} ${to + 8},${y + 4}`;
    return `<g class="mark record"><line x1="${from}" y1="${y}" x2="${to}" y2="${y}" stroke="${record.fromClient ? '#1f77b4' : '#ff7f0e'}"/><polygon points="${head}" fill="${record.fromClient ? '#1f77b4' : '#ff7f0e'}"/><text x="${WIDTH / 2}" y="${y - 4}" text-anchor="middle">${escapeHtml(record.label)}</text><text x="${WIDTH - 4}" y="${y + 4}" text-anchor="end" fill="#888">${(record.t * 1000).toFixed(2)} ms</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(title)}" font-size="11" font-family="system-ui, sans-serif"><text x="${client}" y="16" text-anchor="middle" font-weight="600">client (PDC)</text><text x="${server}" y="16" text-anchor="middle" font-weight="600">server (TLS PMU)</text><line x1="${client}" y1="24" x2="${client}" y2="${height - 8}" stroke="#bbb"/><line x1="${server}" y1="24" x2="${server}" y2="${height - 8}" stroke="#bbb"/>${arrows.join('')}</svg>`;
}

/** Seconds since `start` for points in epoch seconds. */
export function relative<T extends { epoch: number }>(items: readonly T[], start: number): Array<Omit<T, 'epoch'> & { t: number }> {
  return items.map(({ epoch, ...rest }) => ({ ...rest, t: Math.max(0, epoch - start) }));
}

/** The experiments' flows, by experiment id, and the capture with its key log. */
export interface PictureInputs {
  file: string;
  keylog: string;
  flows: { [experiment: string]: { serverPort: number; clientPort: number; reads?: Array<{ epoch: number; bytes: number }> } | undefined };
}

const COLOURS = { server: '#ff7f0e', client: '#1f77b4', d0: '#1f77b4', d1: '#2ca02c' };

/** The four pictures that a capture allows (those whose experiments ran). */
export function drawPictures({ file, keylog, flows }: PictureInputs): Picture[] {
  const pictures: Picture[] = [];
  const start = (points: ReadonlyArray<{ epoch: number }>) => Math.min(...points.map((point) => point.epoch));
  if (flows['pdc-0'] && flows['pdc-1']) {
    const runs = (['pdc-0', 'pdc-1'] as const).map((id) => {
      const segments = serverSegments(file, flows[id]!);
      return { id, points: relative(segments, start(segments)) };
    });
    pictures.push({
      question: 'Q11',
      title: 'The PMU\'s packets with payload over time: d = 0 and d = 1',
      svg: runs.map((run, index) => scatter(`PMU packets, d = ${index}`, [{ name: `packets, d = ${index}`, shape: 'circle', colour: index === 0 ? COLOURS.d0 : COLOURS.d1, points: run.points }])).join(''),
      marks: { 'd = 0': runs[0]!.points.length, 'd = 1': runs[1]!.points.length },
      data: { 'd = 0': runs[0]!.points, 'd = 1': runs[1]!.points },
    });
  }
  const flood = flows.flood;
  if (flood) {
    const segments = serverSegments(file, flood);
    const reads = flood.reads ?? [];
    const origin = start([...segments, ...reads]);
    const series = { segments: relative(segments, origin), reads: relative(reads, origin) };
    pictures.push({
      question: 'Q16',
      title: 'The flood: the PMU\'s packets against the client\'s recv(1024) calls',
      svg: scatter('The flood: packets and recv(1024) calls', [
        { name: 'packets from the PMU', shape: 'circle', colour: COLOURS.server, points: series.segments },
        { name: 'recv(1024) calls', shape: 'square', colour: COLOURS.client, points: series.reads },
      ]),
      marks: { packets: series.segments.length, 'recv() calls': series.reads.length },
      data: series,
    });
  }
  const ws = (['ws-0', 'ws-flood'] as const).filter((id) => flows[id]);
  if (ws.length > 0) {
    const runs = ws.map((id) => {
      const segments = serverSegments(file, flows[id]!);
      const frames = serverFrames(file, flows[id]!);
      const origin = start([...segments, ...frames]);
      return { id, segments: relative(segments, origin), frames: relative(frames, origin) };
    });
    pictures.push({
      question: 'Q25',
      title: 'WebSocket frames against TCP packets: CMD_short:0 (Q23), the flood (Q25)',
      svg: runs
        .map((run) =>
          scatter(run.id === 'ws-0' ? 'CMD_short:0 over WebSocket' : 'The flood over WebSocket', [
            { name: 'TCP packets from the server', shape: 'circle', colour: COLOURS.server, points: run.segments },
            { name: 'WebSocket frames', shape: 'square', colour: COLOURS.client, points: run.frames },
          ]),
        )
        .join(''),
      marks: Object.fromEntries(runs.flatMap((run) => [[`${run.id} packets`, run.segments.length], [`${run.id} frames`, run.frames.length]])),
      data: Object.fromEntries(runs.map((run) => [run.id, { packets: run.segments, frames: run.frames }])),
    });
  }
  const tls = flows['tls-1.2'];
  if (tls) {
    const records = tlsRecords(file, tls, keylog);
    const points = relative(records, start(records));
    pictures.push({
      question: 'Q26',
      title: 'The TLS 1.2 session as a ladder: one arrow per record, decrypted with the key log',
      svg: ladder('TLS 1.2 records', points),
      marks: { records: points.length },
      data: points,
    });
  }
  return pictures;
}

/**
 * Of the server's packets with payload on `flow` after the first, how many left once the client
 * had acknowledged the one before (from the capture's timings): with no path delay every message
 * is acknowledged before the next is written, so Nagle's algorithm has nothing to hold back (Q12).
 */
export function acknowledgedBeforeNext(file: string, flow: Flow): { acknowledged: number; of: number } {
  const rows = tshark(file, ['-Y', between(flow), '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tcp.seq', '-e', 'tcp.len', '-e', 'tcp.ack']).map(([epoch, source, seq, length, ack]) => ({
    epoch: Number(epoch),
    fromServer: Number(source) === flow.serverPort,
    end: Number(seq) + Number(length),
    length: Number(length),
    ack: Number(ack),
  }));
  const data = rows.filter((row) => row.fromServer && row.length > 0);
  let acknowledged = 0;
  for (let index = 1; index < data.length; index += 1) {
    const previous = data[index - 1]!;
    if (rows.some((row) => !row.fromServer && row.ack >= previous.end && row.epoch <= data[index]!.epoch)) acknowledged += 1;
  }
  return { acknowledged, of: Math.max(0, data.length - 1) };
}
