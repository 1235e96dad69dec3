// The demo shell's chess panel: /demo loads it from /demo/panels.json and calls mount(). It
// may use the shell's own modules (DOM helpers, the ack request) from /demo/.
import { byId, h, onSubmit } from '/demo/dom.mjs';
import { request } from '/demo/realtime.mjs';
import { createBoard, piecesOf } from './chess-board.mjs';

const FINISHED = new Set(['checkmate', 'stalemate', 'draw', 'resigned']);

/** Squares whose content differs between two positions: the last move, for the highlight. */
function changedSquares(before, after) {
  if (!before) return null;
  const a = piecesOf(before);
  const b = piecesOf(after);
  const squares = new Set([...a.keys(), ...b.keys()]);
  return [...squares].filter((s) => a.get(s) !== b.get(s));
}

/** The panel's markup, built into the container the shell gives it. */
function build(container) {
  if (!document.querySelector('link[data-panel-style="chess"]'))
    document.head.append(
      h('link', {
        rel: 'stylesheet',
        href: new URL('./chess.css', import.meta.url).pathname,
        'data-panel-style': 'chess',
      }),
    );
  const colors = ['white', 'black', 'random'].map((c) => h('option', { value: c }, c));
  container.setAttribute('aria-labelledby', 'chess-title');
  container.append(
    h('h2', { id: 'chess-title' }, 'Chess'),
    h(
      'form',
      { id: 'invite-form', className: 'row' },
      h(
        'label',
        { className: 'grow' },
        'Opponent ',
        h('input', { name: 'opponent', required: true, autocomplete: 'off' }),
      ),
      h('label', {}, 'I play ', h('select', { name: 'color' }, ...colors)),
      h('button', { type: 'submit' }, 'Invite'),
    ),
    h('ul', { id: 'games', className: 'list', 'aria-label': 'Games' }),
    h('p', { id: 'game-status', role: 'status', 'aria-live': 'polite' }),
    h(
      'div',
      { id: 'game-panel', hidden: true },
      h('fieldset', { id: 'board', className: 'board', 'aria-label': 'Chess board' }),
      h(
        'form',
        { id: 'move-form', className: 'row' },
        h(
          'label',
          { className: 'grow' },
          'Move (SAN, e.g. e4 or Nf3) ',
          h('input', { name: 'move', autocomplete: 'off', required: true }),
        ),
        h('button', { type: 'submit' }, 'Move'),
        h('button', { type: 'button', id: 'resign', className: 'secondary' }, 'Resign'),
      ),
      h('p', { id: 'moves', className: 'muted' }),
    ),
    h('p', { id: 'chess-error', className: 'error', role: 'alert' }),
  );
}

/**
 * Invitations, the list of games and one open board. The open game's room is joined with
 * `game:join`, so its `game:updated` arrives from whichever instance the move was made on;
 * a game is only ever replaced by a higher `version` (an ack and the event may arrive in any order).
 *
 * ctx (the shell's mount API): container (an element of the page, already attached), api (REST
 * client for /api), users (profiles by id), me() (the signed-in user), socket() (the live socket
 * or null). Answers the shell's view: attach(socket), start(), stop().
 */
export function mount(ctx) {
  build(ctx.container);
  const listEl = byId('games');
  const statusEl = byId('game-status');
  const movesEl = byId('moves');
  const errorEl = byId('chess-error');
  const panelEl = byId('game-panel');
  const games = new Map();
  let currentId = null;
  let lastMove = null;
  const board = createBoard(byId('board'), {
    onMove: (move) => play(move).catch((err) => (errorEl.textContent = err.message)),
  });

  const colorOf = (g) => (g.white === ctx.me().id ? 'white' : g.black === ctx.me().id ? 'black' : null);
  const opponentOf = (g) => (g.white === ctx.me().id ? g.black : g.white);

  /** keeps the newer of two copies; true when `game` is news */
  function upsert(game) {
    const known = games.get(game.id);
    if (known && known.version >= game.version) return false;
    if (game.id === currentId) lastMove = changedSquares(known?.fen, game.fen);
    games.set(game.id, game);
    return true;
  }

  async function describe(g) {
    const me = ctx.me().id;
    const opp = `@${await ctx.users.name(opponentOf(g))}`;
    const mine = colorOf(g);
    switch (g.status) {
      case 'pending':
        return g.challenger === me ? `Waiting for ${opp} to accept` : `${opp} invited you: accept to play`;
      case 'active':
        return `${g.turn === mine ? `Your move (${mine})` : `${opp} to move (${g.turn})`}${g.inCheck ? ', check' : ''}`;
      case 'checkmate':
        return g.winner === me ? 'Checkmate: you win' : `Checkmate: ${opp} wins`;
      case 'resigned':
        return g.winner === me ? `${opp} resigned: you win` : 'You resigned';
      case 'stalemate':
        return 'Stalemate: a draw';
      default:
        return `Draw${g.drawReason ? ` (${g.drawReason})` : ''}`;
    }
  }

  async function renderList() {
    const sorted = [...games.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const items = await Promise.all(
      sorted.map(async (g) => {
        const opp = await ctx.users.name(opponentOf(g));
        const canAccept = g.status === 'pending' && g.challenger !== ctx.me().id;
        return h(
          'li',
          { 'data-game': g.id, 'data-opponent': opp },
          h(
            'button',
            {
              type: 'button',
              className: 'link',
              'aria-current': g.id === currentId ? 'true' : 'false',
              onclick: () => openGame(g.id).catch((err) => (errorEl.textContent = err.message)),
            },
            h('span', {}, h('strong', {}, `vs @${opp}`), ` · you play ${colorOf(g)}`),
            h('span', { className: 'muted' }, g.status),
          ),
          canAccept
            ? h(
                'button',
                {
                  type: 'button',
                  onclick: () => accept(g.id).catch((err) => (errorEl.textContent = err.message)),
                },
                `Accept @${opp}'s invitation`,
              )
            : '',
        );
      }),
    );
    listEl.replaceChildren(...items);
    if (items.length === 0) listEl.append(h('li', { className: 'muted' }, 'No games yet: invite someone.'));
  }

  async function renderCurrent() {
    const g = currentId ? games.get(currentId) : null;
    panelEl.hidden = !g;
    if (!g) {
      board.clear();
      statusEl.textContent = '';
      movesEl.textContent = '';
      return;
    }
    const mine = colorOf(g);
    board.show({
      fen: g.fen,
      orientation: mine ?? 'white',
      myColor: mine,
      canMove: g.status === 'active' && g.turn === mine,
      lastMove,
    });
    statusEl.textContent = await describe(g);
    statusEl.dataset.status = g.status;
    movesEl.textContent = g.moves.length
      ? `Moves: ${g.moves.map((m, i) => (i % 2 === 0 ? `${i / 2 + 1}. ${m}` : m)).join(' ')}`
      : 'No moves yet.';
  }

  async function renderAll() {
    await Promise.all([renderList(), renderCurrent()]);
  }

  async function openGame(id) {
    const socket = ctx.socket();
    if (currentId && currentId !== id && socket?.connected)
      void request(socket, 'game:leave', { gameId: currentId }).catch(() => {});
    currentId = id;
    lastMove = null;
    const { game } = socket?.connected
      ? await request(socket, 'game:join', { gameId: id })
      : await ctx.api.get(`/games/${id}`);
    upsert(game);
    await renderAll();
  }

  async function accept(id) {
    const { game } = await ctx.api.post(`/games/${id}/accept`);
    upsert(game);
    await openGame(id);
  }

  async function play(move) {
    errorEl.textContent = '';
    const g = games.get(currentId);
    if (!g) throw new Error('Open a game first');
    const socket = ctx.socket();
    const body = { move, version: g.version };
    try {
      const { game } = socket?.connected
        ? await request(socket, 'game:move', { gameId: g.id, ...body })
        : await ctx.api.post(`/games/${g.id}/moves`, body);
      upsert(game);
    } finally {
      await renderAll(); // a refused move puts the board back as it was
    }
  }

  async function refresh() {
    const { games: list } = await ctx.api.get('/games?limit=20');
    for (const g of list) upsert(g);
    await renderAll();
  }

  onSubmit(byId('invite-form'), errorEl, async ({ opponent, color }, form) => {
    const user = await ctx.users.find(opponent);
    const { game } = await ctx.api.post('/games', { opponentId: user.id, color });
    form.reset();
    upsert(game);
    await openGame(game.id);
  });
  onSubmit(byId('move-form'), errorEl, async ({ move }, form) => {
    await play(move.trim());
    form.reset();
  });
  byId('resign').addEventListener('click', async () => {
    const g = games.get(currentId);
    if (!g || FINISHED.has(g.status) || !window.confirm('Resign this game?')) return;
    try {
      upsert((await ctx.api.post(`/games/${g.id}/resign`)).game);
      await renderAll();
    } catch (err) {
      errorEl.textContent = err.message;
    }
  });

  return {
    attach(socket) {
      socket.on('game:updated', ({ game }) => {
        if (upsert(game)) void renderAll().catch(() => {});
      });
      // after a reconnect (maybe to another instance) the room must be joined again
      socket.on('connect', () => {
        if (currentId) void openGame(currentId).catch(() => {});
        else void refresh().catch(() => {});
      });
    },
    start: () => refresh(),
    stop() {
      games.clear();
      currentId = null;
      lastMove = null;
      listEl.replaceChildren();
      board.clear();
      statusEl.textContent = '';
      movesEl.textContent = '';
      errorEl.textContent = '';
    },
  };
}
