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

async function fetchPanel(path) {
  const response = await fetch(withToken(path));
  return response.json();
}

function note(section, text) {
  document.querySelector(`#${section} .note`).textContent = text ?? '';
}

function duration(ms) {
  const minutes = Math.floor(ms / 60000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

async function drawServices() {
  const services = await fetchPanel('/api/services');
  note('services', services.note);
  const body = document.querySelector('#services tbody');
  body.replaceChildren(
    ...services.apps.map((app) => {
      const tr = row([app.name, app.status, app.uptimeMs == null ? '—' : duration(app.uptimeMs), app.restarts ?? '—', app.cpu == null ? '—' : `${app.cpu}%`, app.memory == null ? '—' : `${(app.memory / 1048576).toFixed(1)} MiB`]);
      const counters = element('td', undefined, { class: 'counters' });
      counters.append(...Object.entries(app.metrics).map(([name, value]) => element('div', `${name}: ${value}`)));
      const log = element('td', undefined, { class: 'log' });
      if (app.log.length > 0) {
        const details = element('details');
        details.append(element('summary', `${app.log.length} last lines`), element('pre', app.log.join('\n')));
        log.append(details);
      }
      tr.append(counters, log);
      return tr;
    }),
  );
}

/** Hour (columns) × day (rows) for one family; a cell's shade is answered / probed. */
function heatMap(family, days, cells) {
  const size = 14;
  const left = 70;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(left + 24 * size + 10));
  svg.setAttribute('height', String(20 + days.length * size + 10));
  svg.setAttribute('class', `heatmap ${family}`);
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

async function drawProber() {
  const panel = await fetchPanel('/api/prober');
  const maps = document.querySelector('#prober .maps');
  if (!panel.ok) {
    note('prober', panel.error);
    maps.replaceChildren();
    return;
  }
  note('prober', '');
  const { days, cells, switches, latest, report } = panel.data;
  maps.replaceChildren(heatMap('IPv4', days, cells), heatMap('IPv6', days, cells));
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

async function drawRecorder() {
  const panel = await fetchPanel('/api/recorder');
  if (!panel.ok) return note('recorder', panel.error);
  note('recorder', '');
  document.getElementById('recorder-csv').href = withToken('/api/recorder.csv');
  document.getElementById('recorder-jsonl').href = withToken('/api/recorder.jsonl');
  document.querySelector('#recorder .senders tbody').replaceChildren(...panel.data.senders.map((sender) => row([sender.senderId, sender.count, sender.bytes, sender.lastSeen])));
  return panel.data.latest;
}

function followFeed() {
  const socket = new WebSocket(withToken(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/feed`));
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.kind === 'service') return void drawServices(); // pm2 says an app changed: redraw now
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
    ...sessions.last.map((session) => row([session.at, session.peer, session.tlsVersion ?? '—', session.cipher ?? '—', session.command ?? '—', session.messages])),
  );
  list.replaceChildren(
    ...[['subject', subject], ['issuer', issuer], ['expires', notAfter], ['key', key]].flatMap(([name, value]) => [element('dt', name), element('dd', value)]),
    ...warnings.flatMap((warning) => [element('dt', 'warning', { class: 'warning' }), element('dd', warning, { class: 'warning' })]),
  );
}

async function refresh() {
  await Promise.all([drawServices(), drawProber(), drawTls(), drawRecorder().then(() => undefined)]);
  document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function start() {
  const [latest] = await Promise.all([drawRecorder(), drawServices(), drawProber(), drawTls()]);
  if (latest) appendToFeed(latest.map(feedLine));
  document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.ready = 'true';
  followFeed();
  setInterval(refresh, 5000);
}

start();
