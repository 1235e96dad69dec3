import { createApi } from './api.mjs';
import { createChatView } from './chat-view.mjs';
import { byId, h, onSubmit } from './dom.mjs';
import { createPeopleView } from './people-view.mjs';
import { connect } from './realtime.mjs';
import { createUserDirectory } from './users.mjs';

// sessionStorage, not localStorage: two tabs of one browser can then be two different users
const SESSION_KEY = 'social-scale.demo.session';

let session = null; // {token, user}
let socket = null;
const api = createApi(() => session?.token);
const users = createUserDirectory(api);
const ctx = { api, users, me: () => session.user, socket: () => socket };
const views = [createPeopleView(ctx), createChatView(ctx)];

/**
 * The panels installed features add (GET /demo/panels.json): each a module whose mount(ctx) fills
 * a card of its own (ctx.container, on the page already) and answers a view like the ones above.
 * Cards keep the listed order; one whose module fails to load is left out.
 */
async function loadPanels() {
  const res = await fetch('/demo/panels.json', { headers: { Accept: 'application/json' } });
  const panels = res.ok ? await res.json() : [];
  const loaded = await Promise.all(
    panels.map(async ({ name, entry }) => {
      const container = h('section', { id: `panel-${name}`, className: 'card', 'data-panel': name });
      byId('app').append(container);
      try {
        const { mount } = await import(entry);
        return mount({ ...ctx, container });
      } catch (err) {
        container.remove();
        console.error(`the ${name} panel did not load`, err);
        return null;
      }
    }),
  );
  for (const view of loaded) if (view) views.push(view);
}
await loadPanels();

const connectionEl = byId('connection');
function showConnection(text, online) {
  connectionEl.textContent = text;
  connectionEl.classList.toggle('online', online);
}

async function start(next) {
  session = next;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
  users.remember(next.user);
  byId('whoami').textContent = `@${next.user.username}`;
  byId('auth').hidden = true;
  byId('app').hidden = false;
  byId('logout').hidden = false;
  socket = connect(next.token);
  socket.on('connect', () => showConnection('live', true));
  socket.on('disconnect', () => showConnection('reconnecting…', false));
  socket.on('connect_error', (err) => {
    showConnection(`offline: ${err.message}`, false);
    if (err.message === 'UNAUTHORIZED') stop();
  });
  for (const event of ['session:revoked', 'session:expired']) socket.on(event, () => stop());
  for (const view of views) view.attach?.(socket);
  await Promise.all(views.map((view) => view.start()));
}

function stop() {
  socket?.disconnect();
  socket = null;
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  for (const view of views) view.stop();
  byId('whoami').textContent = '';
  byId('app').hidden = true;
  byId('auth').hidden = false;
  byId('logout').hidden = true;
  showConnection('offline', false);
}

const authError = byId('auth-error');
onSubmit(byId('register-form'), authError, async ({ username, email, password }) =>
  start(await api.post('/auth/register', { username: username.trim().toLowerCase(), email, password })),
);
onSubmit(byId('login-form'), authError, async ({ login, password }) =>
  start(await api.post('/auth/login', { login: login.trim(), password })),
);
byId('logout').addEventListener('click', async () => {
  // the contract's logout revokes every token of the user: every device is signed out
  await api.post('/auth/logout').catch(() => {});
  stop();
});

byId('instance').textContent = location.host;
const saved = sessionStorage.getItem(SESSION_KEY);
if (saved) {
  try {
    const { token } = JSON.parse(saved);
    session = { token, user: null };
    const { user } = await api.get('/auth/me');
    await start({ token, user });
  } catch {
    stop();
  }
}
