// The demo dashboard: polls the app's own JSON once a second and draws plain canvas charts.
'use strict';

const HISTORY = 90;
const series = {
  replies: { load: [] },
  bytes: { read: [], written: [] },
  buffered: { input: [], output: [] },
  connects: { connects: [], errors: [] },
};
const COLORS = { load: '#4cd694', read: '#5fb3ff', written: '#ffb84d', input: '#5fb3ff', output: '#ff6b6b', connects: '#4cd694', errors: '#ff6b6b' };
let previous = null;
let activeLoad = null;
let previousReplies = null;
let framings = {}; // client name -> its framing, from /api/clients
let serverTime = 0; // rates use the server's clock: right even when the page's timers are throttled

function push(arr, v) { arr.push(v); if (arr.length > HISTORY) arr.shift(); }
function fmt(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return String(Math.round(n));
}
function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
function sum(obj) { return Object.values(obj || {}).reduce((a, b) => a + b, 0); }
function escapeHtml(s) { return String(s ?? '').replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c])); }

function draw(canvasId, data) {
  const canvas = document.getElementById(canvasId);
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = 34;
  ctx.clearRect(0, 0, w, h);
  const all = Object.values(data).flat();
  const max = niceMax(Math.max(...all, 0));
  ctx.strokeStyle = '#24313f'; ctx.fillStyle = '#9fb0c2'; ctx.font = '10px ui-monospace, monospace';
  for (let i = 0; i <= 4; i++) {
    const y = h - pad / 2 - (h - pad) * i / 4;
    ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(w - 4, y); ctx.stroke();
    const label = max * i / 4;
    ctx.fillText(max < 10 ? label.toFixed(1) : fmt(label), 2, y + 3);
  }
  let legendX = pad;
  for (const [name, values] of Object.entries(data)) {
    ctx.strokeStyle = COLORS[name]; ctx.lineWidth = 2; ctx.beginPath();
    values.forEach((v, i) => {
      const x = pad + (w - pad - 4) * i / (HISTORY - 1);
      const y = h - pad / 2 - (h - pad) * v / max;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke(); ctx.lineWidth = 1;
    ctx.fillStyle = COLORS[name];
    const last = values.length ? fmt(values[values.length - 1]) : '-';
    ctx.fillText(name + ' ' + last, legendX, 10); legendX += 110;
  }
}

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': ' + r.status);
  return r.json();
}

async function refreshClients() {
  const clients = await getJson('/api/clients');
  const tbody = document.querySelector('#clients tbody');
  tbody.innerHTML = clients.map(c => `<tr>
    <td>${escapeHtml(c.name)}</td><td class="framing">${escapeHtml(c.framing)}</td>
    <td class="state-${c.state}">${c.state}</td><td>${escapeHtml(c.remoteAddress || c.host + ':' + c.port)}</td>
    <td>${c.exchangesInFlight}</td><td>${fmt(c.bufferedInputBytes)} B</td><td>${fmt(c.bufferedOutputBytes)} B</td><td>${fmt(c.pendingBytes)} B</td>
    <td>${c.reconnects}</td><td class="error">${escapeHtml(c.lastError || '')}</td></tr>`).join('');
  for (const select of document.querySelectorAll('.client-select')) {
    if (select.options.length !== clients.length) {
      select.innerHTML = clients.map(c => `<option>${escapeHtml(c.name)}</option>`).join('');
    }
  }
  framings = Object.fromEntries(clients.map(c => [c.name, c.framing]));
  showFraming();
}

// Which framing the exchange form's client speaks: the same text becomes a line or a length-prefixed frame.
function showFraming() {
  const f = document.getElementById('exchange');
  document.getElementById('exchange-hint').textContent = 'framing: ' + (framings[f.client.value] || '?');
}
document.querySelector('#exchange select[name=client]').addEventListener('change', showFraming);

async function refreshStats() {
  const s = await getJson('/api/stats');
  serverTime = s.timeMillis;
  document.getElementById('loop').textContent =
    `loop: ${fmt(s.eventBase.turns)} turns · ${s.eventBase.pendingTasks} pending tasks · longest turn ${fmt(s.eventBase.longestTurnMicros)} µs · blocked ${s.eventBase.blocked}`;
  const clients = Object.values(s.clients);
  const totals = {
    read: clients.reduce((a, c) => a + c.bytesRead, 0),
    written: clients.reduce((a, c) => a + c.bytesWritten, 0),
    input: clients.reduce((a, c) => a + c.bufferedInput, 0),
    output: clients.reduce((a, c) => a + c.bufferedOutput + c.pendingBytes, 0),
    connects: clients.reduce((a, c) => a + sum(c.connects), 0),
    errors: clients.reduce((a, c) => a + sum(c.errors), 0),
  };
  if (previous) {
    const dt = Math.max(0.001, (s.timeMillis - previous.time) / 1000);
    push(series.bytes.read, (totals.read - previous.read) / dt);
    push(series.bytes.written, (totals.written - previous.written) / dt);
    push(series.connects.connects, (totals.connects - previous.connects) / dt);
    push(series.connects.errors, (totals.errors - previous.errors) / dt);
  }
  push(series.buffered.input, totals.input);
  push(series.buffered.output, totals.output);
  previous = { time: s.timeMillis, ...totals };
}

async function refreshLoad() {
  // Every run counts, including those started with curl: the chart shows replies/s across runs.
  const runs = await getJson('/api/loads');
  const now = serverTime;
  const replied = runs.reduce((a, r) => a + r.replied, 0);
  if (previousReplies) {
    push(series.replies.load, Math.max(0, replied - previousReplies.replied) / Math.max(0.001, (now - previousReplies.time) / 1000));
  }
  previousReplies = { replied, time: now };
  const p = activeLoad ? runs.find(r => r.id === activeLoad.id) : runs.find(r => !r.done);
  const stop = document.getElementById('load-stop');
  stop.disabled = !p || p.done;
  stop.dataset.run = p && !p.done ? p.id : '';
  if (!p) return;
  document.getElementById('load-bar').style.width = (100 * (p.replied + p.failed + p.notSent) / p.messages).toFixed(1) + '%';
  document.getElementById('load-result').innerHTML =
    `run ${p.id}: ${fmt(p.replied)} / ${fmt(p.messages)} replied, ${p.failed} failed` + (p.notSent ? `, ${fmt(p.notSent)} not sent` : '') +
    ` · ${fmt(p.repliesPerSecond)} replies/s · avg ${p.averageMicros} µs` +
    (p.lastError ? ` · <span class="error">${escapeHtml(p.lastError)}</span>` : '') +
    (p.cancelled ? ' · cancelled' : p.done ? ' · done' : '');
  if (p.done) activeLoad = null;
}

async function tick() {
  try {
    await Promise.all([refreshClients(), refreshStats()]);
    await refreshLoad();
    draw('chart-replies', series.replies);
    draw('chart-bytes', series.bytes);
    draw('chart-buffered', series.buffered);
    draw('chart-connects', series.connects);
  } catch (e) {
    document.getElementById('loop').textContent = 'unreachable: ' + e.message;
  }
}

document.getElementById('exchange').addEventListener('submit', async ev => {
  ev.preventDefault();
  const f = ev.target, out = document.getElementById('exchange-result');
  const r = await fetch(`/api/clients/${encodeURIComponent(f.client.value)}/exchange`, { method: 'POST', body: f.line.value });
  const body = await r.json();
  out.innerHTML = r.ok ? `reply <b>${escapeHtml(body.reply)}</b> in ${body.micros} µs`
    : `<span class="error">${r.status} ${escapeHtml(body.title)}: ${escapeHtml(body.detail)}</span>`;
});

document.getElementById('load').addEventListener('submit', async ev => {
  ev.preventDefault();
  const f = ev.target, out = document.getElementById('load-result');
  const url = `/api/clients/${encodeURIComponent(f.client.value)}/load?messages=${f.messages.value}&concurrency=${f.concurrency.value}`;
  const r = await fetch(url, { method: 'POST' });
  const body = await r.json();
  if (!r.ok) { out.innerHTML = `<span class="error">${r.status} ${escapeHtml(body.title)}: ${escapeHtml(body.detail)}</span>`; return; }
  activeLoad = { id: body.id };
});

document.getElementById('load-stop').addEventListener('click', async ev => {
  const id = ev.target.dataset.run;
  if (!id) return;
  const r = await fetch(`/api/loads/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!r.ok) {
    const body = await r.json();
    document.getElementById('load-result').innerHTML = `<span class="error">${r.status} ${escapeHtml(body.title)}: ${escapeHtml(body.detail)}</span>`;
  }
  activeLoad = { id: Number(id) };
  tick();
});

tick();
setInterval(tick, 1000);
