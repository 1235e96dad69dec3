import { AuthError, api, stream, token } from './api.mjs';
import { drawLineChart } from './chart.mjs';

const $ = (sel) => document.querySelector(sel);
const MAX_POINTS = 720;

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null));
  return node;
}

const show = (v) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
const ms = (check) => (check?.latencyMs === undefined ? (check?.status ?? '—') : `${check.latencyMs} ms`);
const pct = (c) =>
  c.compared === 0 ? '—' : `${(((c.compared - c.mismatches) / c.compared) * 100).toFixed(2)}%`;
function uptime(s) {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const view = { state: undefined, samples: [], historyVersion: -1, controller: undefined };

// ---- sign in -------------------------------------------------------------------------------

function signedIn(yes) {
  $('#login').hidden = yes;
  $('#app').hidden = !yes;
  $('#sign-out').hidden = !yes;
}

$('#login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token.set($('#token').value.trim());
  $('#token').value = '';
  start();
});

$('#sign-out').addEventListener('click', () => {
  token.clear();
  view.controller?.abort();
  signedIn(false);
  link('signed out');
  $('#token').focus();
});

function link(text, cls = '') {
  const p = $('#link');
  p.textContent = text;
  p.className = `link ${cls}`;
}

function toast(text, isError = false) {
  const t = $('#toast');
  t.textContent = text;
  t.className = `toast ${isError ? 'error' : ''} shown`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('shown'), 5000);
}

function authFailed(err) {
  token.clear();
  signedIn(false);
  link('not connected');
  $('#login-error').textContent = `That token was refused: ${err.message}`;
  $('#token').focus();
}

// ---- live stream ---------------------------------------------------------------------------

async function start() {
  if (!token.get()) {
    signedIn(false);
    return;
  }
  $('#login-error').textContent = '';
  view.controller?.abort();
  const controller = new AbortController();
  view.controller = controller;
  let delay = 1000;
  while (!controller.signal.aborted) {
    try {
      link('connecting…');
      await stream('/admin/console/stream', onEvent, controller.signal);
      delay = 1000;
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof AuthError) return authFailed(err);
    }
    link('disconnected, retrying…', 'bad');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15000);
  }
}

function onEvent(name, data) {
  if (name === 'history') {
    view.samples = data;
  } else if (name === 'state') {
    signedIn(true);
    view.state = data;
    const last = view.samples[view.samples.length - 1];
    if (!last || last.at !== data.sample.at) view.samples.push(data.sample);
    if (view.samples.length > MAX_POINTS) view.samples.splice(0, view.samples.length - MAX_POINTS);
    link(`live · served by ${data.servedBy} · ${data.at.slice(11, 19)} UTC`, 'ok');
    render();
  }
}

// ---- rendering -----------------------------------------------------------------------------

function render() {
  const s = view.state;
  renderInstances(s.instances);
  renderConsistency(s);
  renderFeedConsistency(s);
  renderDelivery(s);
  renderFlags(s.flags);
  const version = Math.max(0, ...s.instances.map((i) => i.flagVersion));
  if (version !== view.historyVersion) {
    view.historyVersion = version;
    void loadHistory();
  }
}

function cell(label, ...content) {
  return h('td', { 'data-label': label }, ...content);
}

function renderInstances(instances) {
  const rows = instances.map((i) => {
    const st = i.status;
    const health = st?.health.status ?? 'unknown';
    const f = st?.flags ?? {};
    return h(
      'tr',
      { 'data-instance': i.id },
      h('th', { scope: 'row', 'data-label': 'Instance' }, i.id),
      cell('Health', h('span', { class: `badge ${health}` }, health)),
      cell('Uptime', uptime(i.uptimeSeconds)),
      cell('Connections', String(i.connections)),
      cell('Adapter', st?.health.checks.socket.adapter ?? '—'),
      cell('Flag version', String(i.flagVersion)),
      h('td', { 'data-label': 'Presence mode', 'data-field': 'presence.mode' }, show(f['presence.mode'])),
      h(
        'td',
        { 'data-label': 'Redis reads', 'data-field': 'presence.redisReadPercent' },
        f['presence.redisReadPercent'] === undefined ? '—' : `${f['presence.redisReadPercent']}%`,
      ),
      h(
        'td',
        { 'data-label': 'Shadow read', 'data-field': 'presence.shadowRead' },
        show(f['presence.shadowRead']),
      ),
      cell('Mongo latency', ms(st?.health.checks.database)),
      cell('Redis latency', ms(st?.health.checks.redis)),
      cell('Breaker', st?.health.checks.redis.breaker ?? '—'),
    );
  });
  $('#instances tbody').replaceChildren(...rows);
}

function renderFeedConsistency(state) {
  const points = view.samples.flatMap((s) =>
    s.feed && s.feed.compared > 0
      ? [{ t: Date.parse(s.at), v: ((s.feed.compared - s.feed.mismatches) / s.feed.compared) * 100 }]
      : [],
  );
  const minPct = Math.min(100, ...points.map((p) => p.v));
  drawLineChart($('#chart-feed'), [{ name: 'cluster', cls: 's0', points }], {
    yMin: Math.max(0, Math.floor(minPct / 10) * 10 - (minPct >= 100 ? 10 : 0)),
    yMax: 100,
    unit: '%',
  });
  const f = state.sample.feed ?? { compared: 0, mismatches: 0, errors: 0 };
  $('#feed-total').textContent = `${f.compared} compared, ${f.mismatches} mismatches, ${f.errors} errors`;
}

function renderConsistency(state) {
  const ids = [...new Set(view.samples.flatMap((s) => s.instances.map((i) => i.id)))].sort();
  const series = (pick) => [
    { name: 'cluster', cls: 's0', points: view.samples.flatMap((s) => pick(s.cluster, s.at)) },
    ...ids.map((id, n) => ({
      name: id,
      cls: `s${(n % 5) + 1}`,
      points: view.samples.flatMap((s) => {
        const c = s.instances.find((i) => i.id === id);
        return c ? pick(c, s.at) : [];
      }),
    })),
  ];
  const compared = series((c, at) => [{ t: Date.parse(at), v: c.compared }]);
  const consistency = series((c, at) =>
    c.compared === 0 ? [] : [{ t: Date.parse(at), v: ((c.compared - c.mismatches) / c.compared) * 100 }],
  );
  const minPct = Math.min(100, ...consistency.flatMap((s) => s.points.map((p) => p.v)));
  drawLineChart($('#chart-compared'), compared);
  drawLineChart($('#chart-consistency'), consistency, {
    yMin: Math.max(0, Math.floor(minPct / 10) * 10 - (minPct >= 100 ? 10 : 0)),
    yMax: 100,
    unit: '%',
  });
  $('#chart-compared').dataset.total = String(state.sample.cluster.compared);
  $('#legend').replaceChildren(
    ...compared.map((s) =>
      h('li', {}, h('span', { class: `swatch ${s.cls}`, 'aria-hidden': 'true' }), s.name),
    ),
  );
  const row = (scope, c, since) =>
    h(
      'tr',
      { 'data-scope': scope },
      h('th', { scope: 'row', 'data-label': 'Scope' }, scope),
      cell('Compared', String(c.compared)),
      cell('Mismatches', String(c.mismatches)),
      cell('Errors', String(c.errors)),
      cell('Consistency', pct(c)),
      cell('Since', since ? since.slice(11, 19) : '—'),
    );
  $('#consistency tbody').replaceChildren(
    row('cluster', state.sample.cluster),
    ...state.instances
      .filter((i) => i.status)
      .map((i) => row(i.id, i.status.consistency, i.status.consistency.since)),
  );
}

// Adapter move: per instance and for the cluster, the share of dual-published packets that
// arrived over both transports, and the counts behind it.
function renderDelivery(state) {
  const samples = view.samples.filter((s) => s.delivery);
  const ids = [...new Set(samples.flatMap((s) => s.delivery.instances.map((i) => i.id)))].sort();
  const share = (d, at) => {
    const total = d.both + d.oldOnly + d.newOnly;
    return total === 0 ? [] : [{ t: Date.parse(at), v: (d.both / total) * 100 }];
  };
  const series = [
    { name: 'cluster', cls: 's0', points: samples.flatMap((s) => share(s.delivery.cluster, s.at)) },
    ...ids.map((id, n) => ({
      name: id,
      cls: `s${(n % 5) + 1}`,
      points: samples.flatMap((s) => {
        const d = s.delivery.instances.find((i) => i.id === id);
        return d ? share(d, s.at) : [];
      }),
    })),
  ];
  const minPct = Math.min(100, ...series.flatMap((s) => s.points.map((p) => p.v)));
  drawLineChart($('#chart-delivery'), series, {
    yMin: Math.max(0, Math.floor(minPct / 10) * 10 - (minPct >= 100 ? 10 : 0)),
    yMax: 100,
    unit: '%',
  });
  const sample = state.sample.delivery ?? {
    cluster: { both: 0, oldOnly: 0, newOnly: 0, latencyDeltaMs: null },
    instances: [],
  };
  $('#chart-delivery').dataset.total = String(sample.cluster.both);
  const row = (scope, d) =>
    h(
      'tr',
      { 'data-scope': scope },
      h('th', { scope: 'row', 'data-label': 'Scope' }, scope),
      cell('Both', String(d.both)),
      cell('Old only', String(d.oldOnly)),
      cell('New only', String(d.newOnly)),
      cell('Latency Δ', d.latencyDeltaMs === null ? '—' : `${d.latencyDeltaMs.toFixed(1)} ms`),
    );
  $('#delivery tbody').replaceChildren(
    row('cluster', sample.cluster),
    ...sample.instances.map((d) => row(d.id, d)),
  );
  const moves = state.instances.flatMap((i) => {
    const m = i.status?.health.checks.socket.migration;
    return m ? [`${i.id}: ${m.from} → ${m.to} (${m.stage})`] : [];
  });
  const adapters = [
    ...new Set(state.instances.flatMap((i) => (i.status ? [i.status.health.checks.socket.adapter] : []))),
  ];
  $('#adapter-state').textContent =
    moves.length > 0 ? `Moving: ${moves.join('; ')}` : `Adapter in force: ${adapters.join(', ') || '—'}`;
}

// Flags: a card is rebuilt only when its own flag changes, so a value being typed into another
// card survives the live updates.
const cards = new Map();
function renderFlags(flags) {
  const focused = document.activeElement?.id;
  const list = flags.map((f) => {
    const key = JSON.stringify([f.value, f.source, f.updatedAt, f.updatedBy, f.pendingValue, f.envValue]);
    const known = cards.get(f.name);
    if (known?.key === key) return known.node;
    const node = flagCard(f);
    cards.set(f.name, { key, node });
    return node;
  });
  const container = $('#flags');
  if (container.children.length !== list.length) container.replaceChildren(...list);
  else
    list.forEach((node, i) => {
      if (container.children[i] !== node) container.children[i].replaceWith(node);
    });
  if (focused && document.activeElement?.id !== focused) document.getElementById(focused)?.focus();
}

function flagControl(f, id) {
  const current = f.pendingValue ?? f.value;
  const input = f.input;
  if (input.kind === 'enum' || input.kind === 'boolean') {
    const options = input.kind === 'enum' ? input.options : ['true', 'false'];
    return h(
      'select',
      { id, name: f.name },
      options.map((o) => h('option', { value: o, selected: String(current) === o }, o)),
    );
  }
  if (input.kind === 'number') {
    const number = h('input', {
      id,
      name: f.name,
      type: 'number',
      value: String(current),
      min: input.min,
      max: input.max,
      step: input.integer ? 1 : 'any',
      inputmode: 'numeric',
    });
    if (!input.rollout) return number;
    const range = h('input', {
      type: 'range',
      value: String(current),
      min: input.min ?? 0,
      max: input.max ?? 100,
      step: 1,
      'aria-label': `${f.name} share of users`,
      oninput: (e) => {
        number.value = e.target.value;
      },
    });
    number.addEventListener('input', () => {
      range.value = number.value;
    });
    return h('span', { class: 'rollout' }, range, number, h('span', { 'aria-hidden': 'true' }, '%'));
  }
  return h('input', { id, name: f.name, type: 'text', value: JSON.stringify(current) });
}

function readValue(f, id) {
  const raw = document.getElementById(id).value;
  if (f.input.kind === 'boolean') return raw === 'true';
  if (f.input.kind === 'number') return Number(raw);
  if (f.input.kind === 'enum') return raw;
  return JSON.parse(raw);
}

function flagCard(f) {
  const id = `flag-${f.name.replace(/[^a-z0-9]/gi, '-')}`;
  const override = f.source === 'override' ? show(f.value) : 'none';
  const isRollout = f.input.kind === 'number' && f.input.rollout;
  return h(
    'article',
    { class: 'flag', 'data-flag': f.name },
    h('h3', {}, f.name, f.restartRequired ? h('span', { class: 'tag' }, 'restart required') : undefined),
    h('p', { class: 'hint' }, f.description),
    h(
      'dl',
      {},
      h('dt', {}, 'In force'),
      h('dd', { 'data-field': 'value' }, show(f.value)),
      h('dt', {}, 'Source'),
      h('dd', { 'data-field': 'source' }, f.source),
      h('dt', {}, 'Default'),
      h('dd', {}, show(f.default)),
      h('dt', {}, 'Env'),
      h('dd', {}, show(f.envValue)),
      h('dt', {}, 'Override'),
      h(
        'dd',
        { 'data-field': 'override' },
        override,
        f.updatedBy && f.source === 'override' ? ` (${f.updatedBy})` : '',
      ),
      f.restartPending ? [h('dt', {}, 'After restart'), h('dd', {}, show(f.pendingValue))] : undefined,
    ),
    h(
      'div',
      { class: 'controls' },
      h('label', { for: id }, isRollout ? 'Share of users' : 'New value'),
      flagControl(f, id),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            let value;
            try {
              value = readValue(f, id);
            } catch {
              return toast(`${f.name}: not valid JSON`, true);
            }
            const text = isRollout
              ? `Roll ${f.name} out to ${value}% of users (now ${show(f.value)}%) on every instance?`
              : `Set ${f.name} to ${show(value)} (now ${show(f.value)}) on every instance?`;
            confirmThen(text, () =>
              change('POST', '/admin/flags', { flag: f.name, value }, `${f.name} set to ${show(value)}`),
            );
          },
        },
        isRollout ? 'Roll out' : 'Set',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          disabled: f.source !== 'override',
          onclick: () =>
            confirmThen(
              `Reset ${f.name} to its env/default value ${show(f.envValue)} on every instance?`,
              () =>
                change('DELETE', `/admin/flags/${encodeURIComponent(f.name)}`, undefined, `${f.name} reset`),
            ),
        },
        'Reset',
      ),
    ),
  );
}

function confirmThen(text, action) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  dialog.returnValue = '';
  dialog.addEventListener(
    'close',
    () => {
      if (dialog.returnValue === 'ok') void action();
    },
    { once: true },
  );
  dialog.showModal();
  $('#confirm-ok').focus();
}

async function change(method, path, body, done) {
  try {
    await api(method, path, body);
    toast(done);
    await loadHistory();
  } catch (err) {
    if (err instanceof AuthError) return authFailed(err);
    toast(err.message, true);
  }
}

async function loadHistory() {
  try {
    const { entries } = await api('GET', '/admin/flags/history?limit=50');
    $('#history tbody').replaceChildren(
      ...entries.map((e) =>
        h(
          'tr',
          { 'data-version': e.version },
          h('th', { scope: 'row', 'data-label': 'Version' }, String(e.version)),
          cell('When', new Date(e.at).toISOString().replace('T', ' ').slice(0, 19)),
          cell('Flag', e.flag),
          cell('Action', e.action),
          cell('From', show(e.oldValue)),
          cell('To', show(e.newValue)),
          cell('By', e.actor),
        ),
      ),
    );
  } catch (err) {
    if (err instanceof AuthError) authFailed(err);
  }
}

signedIn(false);
if (token.get()) void start();
else $('#token').focus();
