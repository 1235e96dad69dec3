// A small SVG line chart: series of {t (ms), v} points on a shared time axis.
const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 220;
const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** an axis top at or above v whose four ticks are round numbers (at least 1 apart) */
function niceCeil(v) {
  const step = 10 ** Math.floor(Math.log10(v / 4));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
    if (m * step * 4 >= v) return Math.max(4, m * step * 4);
  return v;
}

const clock = (t) => new Date(t).toISOString().slice(11, 19);

/** series: [{ name, cls, points: [{ t, v }] }]; opts: { yMax?, unit? } */
export function drawLineChart(svg, series, opts = {}) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'no samples yet'));
    return;
  }
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(t0 + 1000, ...all.map((p) => p.t));
  const yMax = opts.yMax ?? niceCeil(Math.max(1, ...all.map((p) => p.v)) * 1.05);
  const yMin = opts.yMin ?? 0;
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - ((v - yMin) / (yMax - yMin || 1)) * (H - PAD.top - PAD.bottom);
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    const label = Math.abs(v - Math.round(v)) < 1e-6 || v >= 100 ? Math.round(v) : v.toFixed(1);
    svg.append(
      el(
        'text',
        { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' },
        `${label}${opts.unit ?? ''}`,
      ),
    );
  }
  svg.append(el('text', { x: PAD.left, y: H - 8, class: 'tick' }, clock(t0)));
  svg.append(el('text', { x: W - PAD.right, y: H - 8, 'text-anchor': 'end', class: 'tick' }, clock(t1)));
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points: d, class: `line ${s.cls}`, 'data-series': s.name }));
    const last = s.points[s.points.length - 1];
    svg.append(el('circle', { cx: x(last.t), cy: y(last.v), r: 3, class: `dot ${s.cls}` }));
  }
}
