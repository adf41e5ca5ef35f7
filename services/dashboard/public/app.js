// The dashboard page: fetches the panels and draws them. Everything that came from the network
// (datagram texts, sender IDs, peers, certificate names) is written with textContent, never as HTML.
'use strict';
const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => (token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path);
const FEED_LINES = 300;
const SVG = 'http://www.w3.org/2000/svg';

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function row(cells) {
  const tr = element('tr');
  for (const cell of cells) tr.append(element('td', cell));
  return tr;
}

/** A panel's data, or its error: a failed request (HTTP 500, the network) shows in its panel, never throws. */
async function fetchPanel(path) {
  try {
    const response = await fetch(withToken(path));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) return { ok: false, error: `the dashboard answered ${response.status}: ${body.error ?? response.statusText}`, note: '', apps: [] };
    return body;
  } catch (error) {
    return { ok: false, error: `no answer from the dashboard: ${error.message}`, note: '', apps: [] };
  }
}

/** Runs a panel's drawing; whatever goes wrong is written in that panel, and the others still draw. */
async function guarded(section, draw) {
  try {
    return await draw();
  } catch (error) {
    note(section, `this panel could not be drawn: ${error.message}`);
    return undefined;
  }
}

function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

function note(section, text) {
  document.querySelector(`#${section} .note`).textContent = text ?? '';
}

function duration(ms) {
  const minutes = Math.floor(ms / 60000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The last hour of an app's memory as a line (no axis: a shape to glance at). */
function sparkline(values) {
  const svg = svgElement('svg', { class: 'sparkline', viewBox: '0 0 80 18', preserveAspectRatio: 'none' });
  if (values.length < 2) return svg;
  const low = Math.min(...values);
  const span = Math.max(...values) - low || 1;
  const points = values.map((value, index) => `${((index / (values.length - 1)) * 80).toFixed(1)},${(17 - ((value - low) / span) * 16).toFixed(1)}`);
  svg.append(svgElement('polyline', { points: points.join(' ') }));
  return svg;
}

/** The disclosures open now, by key: a redraw keeps them open. */
function openDisclosures(container) {
  return new Set([...container.querySelectorAll('details[open]')].map((details) => details.dataset.key));
}

function appCard(app, open) {
  const card = element('article', undefined, { class: 'app', 'data-app': app.name });
  const head = element('div', undefined, { class: 'head' });
  head.append(element('span', app.name, { class: 'name' }), element('span', app.status, { class: `badge ${app.status.replace(/\s+/g, '-')}` }));
  const vitals = element('div', undefined, { class: 'vitals' });
  vitals.append(
    element('span', `up ${app.uptimeMs == null ? '—' : duration(app.uptimeMs)}`),
    element('span', `${app.restarts ?? '—'} restarts`),
    element('span', `CPU ${app.cpu == null ? '—' : `${app.cpu}%`}`),
    element('span', `memory ${app.memory == null ? '—' : `${(app.memory / 1048576).toFixed(1)} MiB`}`),
    sparkline((app.memoryHistory ?? []).map((bytes) => bytes / 1048576)),
  );
  const counters = element('ul', undefined, { class: 'counters' });
  for (const group of app.counters?.groups ?? []) {
    const item = element('li');
    item.append(element('b', `${group.title}: `), document.createTextNode(group.text));
    counters.append(item);
  }
  card.append(head, vitals, counters);
  const runtime = app.counters?.runtime ?? [];
  if (runtime.length > 0 || app.log.length > 0) {
    const details = element('details', undefined, { class: 'runtime', 'data-key': `${app.name} runtime` });
    details.open = open.has(`${app.name} runtime`);
    details.append(element('summary', 'runtime and last log lines'));
    const list = element('dl');
    list.append(...runtime.flatMap(([name, value]) => [element('dt', name), element('dd', value)]));
    details.append(list, element('pre', app.log.join('\n')));
    card.append(details);
  }
  return card;
}

async function drawServices() {
  const services = await fetchPanel('/api/services');
  note('services', services.ok === false ? services.error : services.note);
  const container = document.querySelector('#services .apps');
  const open = openDisclosures(container);
  container.replaceChildren(...(services.apps ?? []).map((app) => appCard(app, open)));
}

/** Hour (columns) × day (rows) for one family; a cell's shade is answered / probed. Scales to its panel. */
function heatMap(family, days, cells) {
  const size = 14;
  const left = 70;
  const width = left + 24 * size + 10;
  const height = 20 + days.length * size + 10;
  const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, class: `heatmap ${family}` });
  const title = document.createElementNS(SVG, 'text');
  title.setAttribute('x', '0');
  title.setAttribute('y', '10');
  title.textContent = family;
  svg.append(title);
  for (let hour = 0; hour < 24; hour += 3) {
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', String(left + hour * size));
    label.setAttribute('y', '18');
    label.textContent = String(hour).padStart(2, '0');
    svg.append(label);
  }
  const byKey = new Map(cells.filter((cell) => cell.family === family).map((cell) => [`${cell.day} ${cell.hour}`, cell]));
  days.forEach((day, index) => {
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', '0');
    label.setAttribute('y', String(20 + index * size + 10));
    label.textContent = day;
    svg.append(label);
    for (let hour = 0; hour < 24; hour += 1) {
      const cell = byKey.get(`${day} ${hour}`);
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(left + hour * size));
      rect.setAttribute('y', String(20 + index * size));
      rect.setAttribute('width', String(size - 1));
      rect.setAttribute('height', String(size - 1));
      const share = cell && cell.probed > 0 ? cell.answered / cell.probed : null;
      rect.setAttribute('fill', share === null ? '#eee' : `hsl(${Math.round(120 * share)}, 60%, ${Math.round(75 - 30 * share)}%)`);
      rect.dataset.day = day;
      rect.dataset.hour = String(hour);
      rect.dataset.family = family;
      rect.dataset.probed = String(cell ? cell.probed : 0);
      rect.dataset.answered = String(cell ? cell.answered : 0);
      const tip = document.createElementNS(SVG, 'title');
      tip.textContent = `${family} ${day} ${String(hour).padStart(2, '0')}:00: ${cell ? `${cell.answered}/${cell.probed} answered` : 'not probed'}`;
      rect.append(tip);
      svg.append(rect);
    }
  });
  return svg;
}

const FAMILY_COLOURS = { IPv4: '#1f77b4', IPv6: '#ff7f0e', both: '#8c6bb1', none: '#c8ccd2' };

/** Which family the server answered on, by hour of day: a band under the map, one mark per hour. */
function familyBand(hours) {
  const size = 14;
  const left = 70;
  const svg = svgElement('svg', { viewBox: `0 0 ${left + 24 * size + 10} 22`, class: 'band' });
  const label = svgElement('text', { x: 0, y: 12 });
  label.textContent = 'server on';
  svg.append(label);
  for (const row of hours) {
    const rect = svgElement('rect', { x: left + row.hour * size, y: 2, width: size - 1, height: 12, fill: FAMILY_COLOURS[row.serverOn] ?? '#eee', 'data-hour': row.hour, 'data-family': row.serverOn ?? '' });
    const tip = svgElement('title');
    tip.textContent = `${String(row.hour).padStart(2, '0')}:00: ${row.serverOn ?? 'no answer seen'}`;
    rect.append(tip);
    svg.append(rect);
  }
  return svg;
}

const charts = new Map();

/** A uPlot chart in `container`, made again when its data changes shape (uPlot keeps its own DOM). */
function chart(container, key, options, data) {
  const width = Math.max(200, container.clientWidth);
  const previous = charts.get(key);
  if (previous && previous.series.length === options.series.length && previous.width === width) {
    previous.setData(data);
    return previous;
  }
  previous?.destroy();
  container.replaceChildren();
  const made = new uPlot({ width, height: 180, ...options }, data, container);
  charts.set(key, made);
  return made;
}

/** Vertical marks at the family switches (uPlot draw hook): where the server changed family. */
function switchMarks(switches) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    for (const change of switches) {
      const x = u.valToPos(Date.parse(change.before) / 1000, 'x', true);
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.strokeStyle = FAMILY_COLOURS[change.to] ?? '#888';
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };
}

function drawProberChart(lastDay, switches) {
  const container = document.querySelector('#prober .chart');
  container.dataset.points = String(lastDay.length);
  if (typeof uPlot === 'undefined') return void (container.textContent = 'uPlot did not load: no chart');
  const data = [lastDay.map((hour) => hour.at), ...['IPv4', 'IPv6'].flatMap((family) => [lastDay.map((hour) => hour[family].answered), lastDay.map((hour) => hour[family].probed)])];
  const series = [{}, ...['IPv4', 'IPv6'].flatMap((family) => [
    { label: `${family} answered`, stroke: FAMILY_COLOURS[family], width: 2, points: { show: true } },
    { label: `${family} probed`, stroke: FAMILY_COLOURS[family], dash: [4, 4], width: 1 },
  ])];
  const now = Date.now() / 1000;
  chart(container, 'prober', { series, scales: { x: { time: true, range: () => [now - 86400, now] } }, hooks: { draw: [switchMarks(switches)] }, axes: [{}, { label: 'probes per hour' }] }, data);
}

async function drawProber() {
  const panel = await fetchPanel('/api/prober');
  const maps = document.querySelector('#prober .maps');
  if (!panel.ok) {
    note('prober', panel.error);
    maps.replaceChildren();
    return;
  }
  note('prober', '');
  const { days, cells, switches, latest, report, lastDay } = panel.data;
  document.querySelector('#prober .little').textContent =
    report.probes < 24 ? `${report.probes} ${report.probes === 1 ? 'probe' : 'probes'} so far: the chart and the map fill in as the hours pass.` : '';
  drawProberChart(lastDay, switches);
  maps.replaceChildren(heatMap('IPv4', days, cells), heatMap('IPv6', days, cells), familyBand(report.hours));
  document.querySelector('#prober .loss').textContent =
    `${report.probes} probes; loss estimate p̂ = ${report.loss.lossProbability} (95% CI ${report.loss.ci95[0]}–${report.loss.ci95[1]}) from ${report.loss.runs} answered probes`;
  document.querySelector('#prober .switches').replaceChildren(...switches.map((change) => element('li', `${change.from} → ${change.to} between ${change.after} and ${change.before}`)));
  document.querySelector('#prober .latest tbody').replaceChildren(...latest.map((probe) => row([probe.at, probe.family, probe.acknowledged ? 'yes' : 'no', probe.rounds])));
  document.getElementById('prober-csv').href = withToken('/api/prober.csv');
  document.getElementById('prober-json').href = withToken('/api/prober.json');
}

function feedLine(datagram) {
  return element('li', `${datagram.receivedAt} [${datagram.senderId}] ${datagram.text}  (from ${datagram.from})`, { 'data-id': String(datagram.id) });
}

function appendToFeed(lines) {
  const feed = document.querySelector('#recorder .feed');
  feed.append(...lines);
  while (feed.children.length > FEED_LINES) feed.firstElementChild.remove();
  feed.scrollTop = feed.scrollHeight;
}

const SENDER_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function drawRecorderChart(perMinute) {
  const container = document.querySelector('#recorder .chart');
  container.dataset.points = String(perMinute.minutes.length);
  if (typeof uPlot === 'undefined') return void (container.textContent = 'uPlot did not load: no chart');
  const senders = Object.keys(perMinute.senders).slice(0, SENDER_COLOURS.length);
  const series = [{}, ...senders.map((sender, index) => ({ label: sender, stroke: SENDER_COLOURS[index], width: 1.5, points: { show: perMinute.minutes.length < 60 } }))];
  const now = Date.now() / 1000;
  chart(container, `recorder ${senders.join(' ')}`, { series, scales: { x: { time: true, range: () => [now - 3 * 3600, now] } }, axes: [{}, { label: 'datagrams per minute' }] }, [perMinute.minutes, ...senders.map((sender) => perMinute.senders[sender])]);
}

async function drawRecorder() {
  const panel = await fetchPanel('/api/recorder');
  if (!panel.ok) return note('recorder', panel.error);
  note('recorder', '');
  const stored = panel.data.senders.reduce((total, sender) => total + sender.count, 0);
  document.querySelector('#recorder .little').textContent = stored < 10 ? `${stored} ${stored === 1 ? 'datagram' : 'datagrams'} stored so far: the chart fills in as the channel plays.` : '';
  drawRecorderChart(panel.data.perMinute);
  document.getElementById('recorder-csv').href = withToken('/api/recorder.csv');
  document.getElementById('recorder-jsonl').href = withToken('/api/recorder.jsonl');
  document.querySelector('#recorder .senders tbody').replaceChildren(...panel.data.senders.map((sender) => row([sender.senderId, sender.count, sender.bytes, sender.lastSeen])));
  return panel.data.latest;
}

function followFeed() {
  const socket = new WebSocket(withToken(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/feed`));
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.kind === 'service') return void guarded('services', drawServices); // pm2 says an app changed: redraw now
    if (message.kind !== 'datagrams') return;
    appendToFeed([...message.rows.map(feedLine), ...(message.more > 0 ? [element('li', `… ${message.more} more`, { class: 'more' })] : [])]);
  });
  socket.addEventListener('close', () => setTimeout(followFeed, 2000));
}

async function drawTls() {
  const panel = await fetchPanel('/api/tls');
  const list = document.querySelector('#tls dl');
  if (!panel.ok) {
    note('tls', panel.error);
    list.replaceChildren();
    return;
  }
  note('tls', '');
  const { subject, issuer, notAfter, key, warnings, sessions } = panel.data;
  const counted = (counts) => Object.entries(counts).map(([name, count]) => `${name} ${count}`).join(', ') || 'none';
  document.querySelector('#tls .by').textContent = `by version: ${counted(sessions.byVersion)}; by cipher: ${counted(sessions.byCipher)}`;
  document.querySelector('#tls .sessions tbody').replaceChildren(
    ...sessions.last.map((session) => {
      const tr = row([session.at, session.peer, session.tlsVersion ?? '—', session.cipher ?? '—', session.command ?? '—', session.messages]);
      tr.children[1].className = 'peer';
      tr.children[3].className = 'cipher';
      return tr;
    }),
  );
  list.replaceChildren(
    ...[['subject', subject], ['issuer', issuer], ['expires', notAfter], ['key', key]].flatMap(([name, value]) => [element('dt', name), element('dd', value)]),
    ...warnings.flatMap((warning) => [element('dt', 'warning', { class: 'warning' }), element('dd', warning, { class: 'warning' })]),
  );
}

const drawAll = () => Promise.all([guarded('recorder', drawRecorder), guarded('services', drawServices), guarded('prober', drawProber), guarded('tls', drawTls)]);

async function refresh() {
  await drawAll();
  document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function start() {
  const [latest] = await drawAll();
  if (latest) appendToFeed(latest.map(feedLine));
  document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.ready = 'true';
  followFeed();
  setInterval(refresh, 5000);
}

start();
