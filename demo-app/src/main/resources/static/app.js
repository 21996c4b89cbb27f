// The demo dashboard: polls the app's own JSON once a second and draws plain canvas charts.
'use strict';

const HISTORY = 90;
const series = {
  replies: { replies: [] },
  bytes: { read: [], written: [] },
  buffered: { input: [], output: [] },
  connects: { connects: [], errors: [] },
};
const COLORS = { replies: '#4cd694', read: '#5fb3ff', written: '#ffb84d', input: '#5fb3ff', output: '#ff6b6b', connects: '#4cd694', errors: '#ff6b6b' };
let previous = null; // the last totals sample, for rates: the server's clock, right even when the page's timers are throttled
let activeLoad = null;
let framings = {}; // client name -> its framing, from /api/clients

function push(arr, v) { arr.push(v); if (arr.length > HISTORY) arr.shift(); }
function fmt(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return String(Math.round(n));
}
// Durations given in µs, in the unit that reads best: 840 µs, 14.8 ms, 2.1 s.
function fmtMicros(us) {
  if (us >= 1e6) return (us / 1e6).toFixed(1) + ' s';
  if (us >= 1e3) return (us / 1e3).toFixed(1) + ' ms';
  return Math.round(us) + ' µs';
}
// An axis label: whole numbers as they are, fractions with the digits they need (0.25, 0.5, 0.75).
function fmtTick(v) {
  for (const [unit, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (v >= unit) return Number((v / unit).toFixed(2)) + suffix;
  }
  return String(Number(v.toFixed(2)));
}
// InetSocketAddress.toString() gives "/127.0.0.1:44517" (no host name): show "127.0.0.1:44517".
function fmtAddress(a) { return String(a ?? '').replace(/^\//, ''); }
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
  const w = canvas.width, h = canvas.height, pad = 46, top = 16;
  ctx.clearRect(0, 0, w, h);
  const all = Object.values(data).flat();
  const max = niceMax(Math.max(...all, 0));
  ctx.strokeStyle = '#24313f'; ctx.fillStyle = '#9fb0c2'; ctx.font = '10px ui-monospace, monospace';
  const bottom = h - 8, plot = bottom - top;
  // y labels right-aligned in the margin left of the plot, never over the lines
  ctx.textAlign = 'right';
  for (let i = 0; i <= 4; i++) {
    const y = bottom - plot * i / 4;
    ctx.beginPath(); ctx.moveTo(pad, y); ctx.lineTo(w - 4, y); ctx.stroke();
    ctx.fillText(fmtTick(max * i / 4), pad - 6, y + 3);
  }
  ctx.textAlign = 'left';
  let legendX = pad;
  let series = 0;
  for (const [name, values] of Object.entries(data)) {
    // The second series is drawn dashed and thinner on top, so equal series (echo: read = written) both show.
    ctx.strokeStyle = COLORS[name]; ctx.lineWidth = series === 0 ? 3 : 1.5; ctx.setLineDash(series === 0 ? [] : [6, 4]);
    ctx.beginPath();
    const offset = HISTORY - values.length; // right-aligned: the newest sample at the right edge
    values.forEach((v, i) => {
      const x = pad + (w - pad - 4) * (offset + i) / (HISTORY - 1);
      const y = bottom - plot * v / max;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke(); ctx.lineWidth = 1; ctx.setLineDash([]);
    ctx.fillStyle = COLORS[name];
    const last = values.length ? fmt(values[values.length - 1]) : '-';
    ctx.fillText(name + ' ' + last, legendX, 10); legendX += 110;
    series++;
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
    <td class="state-${c.state}">${c.state}</td><td>${escapeHtml(fmtAddress(c.remoteAddress) || c.host + ':' + c.port)}</td>
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

// Rates between two totals samples (server clock), levels as they are.
function record(t) {
  if (previous) {
    const dt = Math.max(0.001, (t.timeMillis - previous.timeMillis) / 1000);
    push(series.bytes.read, Math.max(0, t.read - previous.read) / dt);
    push(series.bytes.written, Math.max(0, t.written - previous.written) / dt);
    push(series.connects.connects, Math.max(0, t.connects - previous.connects) / dt);
    push(series.connects.errors, Math.max(0, t.errors - previous.errors) / dt);
    push(series.replies.replies, Math.max(0, t.replied - previous.replied) / dt);
  }
  push(series.buffered.input, t.input);
  push(series.buffered.output, t.output);
  previous = t;
}

// The app keeps the last 90 s of samples: the charts open full.
async function loadHistory() {
  for (const t of await getJson('/api/stats/history')) record(t);
}

async function refreshStats() {
  const s = await getJson('/api/stats');
  document.getElementById('loop').textContent =
    `loop: ${fmt(s.eventBase.turns)} turns · ${s.eventBase.pendingTasks} pending tasks · longest turn ${fmtMicros(s.eventBase.longestTurnMicros)} · blocked ${s.eventBase.blocked}`;
  if (!previous || s.totals.timeMillis > previous.timeMillis) record(s.totals);
}

async function refreshLoad() {
  const runs = await getJson('/api/loads');
  const p = activeLoad ? runs.find(r => r.id === activeLoad.id) : runs.find(r => !r.done);
  const stop = document.getElementById('load-stop');
  stop.disabled = !p || p.done;
  stop.dataset.run = p && !p.done ? p.id : '';
  if (!p) return;
  document.getElementById('load-bar').style.width = (100 * (p.replied + p.failed + p.notSent) / p.messages).toFixed(1) + '%';
  document.getElementById('load-result').innerHTML =
    `run ${p.id}: ${fmt(p.replied)} / ${fmt(p.messages)} replied, ${p.failed} failed` + (p.notSent ? `, ${fmt(p.notSent)} not sent` : '') +
    ` · ${fmt(p.repliesPerSecond)} replies/s · avg ${fmtMicros(p.averageMicros)}` +
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
  out.innerHTML = r.ok ? `reply <b>${escapeHtml(body.reply)}</b> in ${fmtMicros(body.micros)}`
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

loadHistory().catch(() => { /* an older app without history: the charts fill as they go */ }).finally(() => {
  tick();
  setInterval(tick, 1000);
});
