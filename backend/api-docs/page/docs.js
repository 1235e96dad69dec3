// Renders /openapi.json and /asyncapi.json as a page; plain browser JavaScript, no build step.
'use strict';

const esc = (s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** The documents' descriptions use **bold** and `code` only. */
const prose = (text) =>
  text
    .split(/\n\s*\n/)
    .map(
      (para) =>
        `<p>${esc(para)
          .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
          .replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`,
    )
    .join('');

const refName = (ref) => ref.split('/').pop();
const anchor = (name) => `schema-${name.replace(/[^\w-]/g, '-')}`;

/** A JSON Schema as a TypeScript-like type, named schemas linked to their definition. */
function typeText(s, indent = '') {
  if (!s || Object.keys(s).length === 0) return 'unknown';
  if (s.$ref) return `<a href="#${anchor(refName(s.$ref))}">${esc(refName(s.$ref))}</a>`;
  const alts = s.anyOf || s.oneOf;
  if (alts) return alts.map((a) => typeText(a, indent)).join(' | ');
  if (s.const !== undefined) return esc(JSON.stringify(s.const));
  if (s.enum) return s.enum.map((v) => esc(JSON.stringify(v))).join(' | ');
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return types
    .map((t) => {
      if (t === 'array') return `${typeText(s.items, indent)}[]`;
      if (t === 'object' || (t === undefined && s.properties)) {
        const props = s.properties || {};
        const required = new Set(s.required || []);
        const inner = `${indent}  `;
        const lines = Object.entries(props).map(([k, v]) => {
          const note = v.description ? ` <span class="summary">// ${esc(v.description)}</span>` : '';
          return `${inner}${esc(k)}${required.has(k) ? '' : '?'}: ${typeText(v, inner)};${note}`;
        });
        if (s.additionalProperties && typeof s.additionalProperties === 'object')
          lines.push(`${inner}[key: string]: ${typeText(s.additionalProperties, inner)};`);
        return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : 'object';
      }
      if (t === undefined) return 'unknown';
      const limits = [];
      if (s.minLength !== undefined || s.maxLength !== undefined)
        limits.push(`${s.minLength ?? 0}–${s.maxLength ?? '∞'} chars`);
      if (s.minimum !== undefined || s.maximum !== undefined)
        limits.push(`${s.minimum ?? '-∞'}–${s.maximum ?? '∞'}`);
      if (s.format) limits.push(s.format);
      return limits.length ? `${t} <span class="summary">(${esc(limits.join(', '))})</span>` : t;
    })
    .join(' | ');
}

const securityText = (sec) => {
  if (!sec || sec.length === 0) return 'public';
  return sec.map((alt) => Object.keys(alt).join(' + ') || 'anonymous').join(' or ');
};

function operationHtml(method, path, op) {
  const params = (op.parameters || [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${typeText(p.schema)}</code></td></tr>`,
    )
    .join('');
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries(op.responses || {})
    .map(([status, r]) => {
      const [type, media] = Object.entries(r.content || {})[0] || [];
      const schema = media ? `<pre>${typeText(media.schema)}</pre>` : '';
      return `<p><strong>${esc(status)}</strong> ${esc(r.description)}${type ? ` <code>${esc(type)}</code>` : ''}</p>${schema}`;
    })
    .join('');
  return `<details class="op"><summary><span class="method ${method}">${method.toUpperCase()}</span>
    <span class="path">${esc(path)}</span><span class="summary">${esc(op.summary || '')}</span>
    <span class="auth">${esc(securityText(op.security))}</span></summary><div class="body">
    ${params ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th></tr></thead><tbody>${params}</tbody></table>` : ''}
    ${body ? `<p><strong>Body</strong> <code>application/json</code></p><pre>${typeText(body)}</pre>` : ''}
    <p><strong>Responses</strong></p>${responses}</div></details>`;
}

function renderHttp(openapi) {
  const byTag = new Map();
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ['other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationHtml(method, path, op));
    }
  }
  const groups = [...byTag].map(([tag, ops]) => `<h3 id="tag-${esc(tag)}">${esc(tag)}</h3>${ops.join('')}`);
  return `<h2 id="http-title">HTTP</h2>${groups.join('')}`;
}

function renderEvents(asyncapi) {
  const messages = asyncapi.components.messages;
  const ops = Object.values(asyncapi.operations).map((op) => {
    const msg = messages[refName(op.messages[0].$ref)];
    const ack = op.reply ? messages[refName(op.reply.messages[0].$ref)] : undefined;
    const direction = op.action === 'receive' ? 'client → server' : 'server → client';
    return `<details class="op"><summary><span class="method ${op.action}">${op.action === 'receive' ? 'EMIT' : 'ON'}</span>
      <span class="path">${esc(msg.name)}</span><span class="summary">${esc(op.summary || '')}</span>
      <span class="auth">${direction}</span></summary><div class="body">
      ${op.description ? `<p>${esc(op.description)}</p>` : ''}
      <p><strong>Payload</strong></p><pre>${typeText(msg.payload)}</pre>
      ${ack ? `<p><strong>Ack</strong></p><pre>${typeText(ack.payload)}</pre>` : ''}</div></details>`;
  });
  return `<h2 id="events-title">Socket.IO events</h2>${prose(asyncapi.info.description)}${ops.join('')}`;
}

function renderSchemas(openapi, asyncapi) {
  const all = { ...asyncapi.components.schemas, ...openapi.components.schemas };
  const items = Object.keys(all)
    .sort()
    .map((name) => `<h3 id="${anchor(name)}">${esc(name)}</h3><pre>${typeText(all[name])}</pre>`);
  return `<h2 id="schemas-title">Schemas</h2>${items.join('')}`;
}

async function main() {
  const [openapi, asyncapi] = await Promise.all(
    ['/openapi.json', '/asyncapi.json'].map(async (url) => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      return res.json();
    }),
  );
  document.getElementById('title').textContent = `${openapi.info.title} ${openapi.info.version}`;
  document.getElementById('intro').innerHTML = prose(openapi.info.description);
  document.getElementById('http').innerHTML = renderHttp(openapi);
  document.getElementById('events').innerHTML = renderEvents(asyncapi);
  document.getElementById('schemas').innerHTML = renderSchemas(openapi, asyncapi);
  document.getElementById('toc').innerHTML =
    '<a href="#http-title">HTTP</a><a href="#events-title">Socket.IO events</a><a href="#schemas-title">Schemas</a>';
  document.body.dataset.rendered = 'true';
}

main().catch((err) => {
  document.getElementById('intro').textContent = `Could not load the API documents: ${err.message}`;
});
