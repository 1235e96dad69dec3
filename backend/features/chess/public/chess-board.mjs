import { h } from '/demo/dom.mjs';

// filled glyphs for both sides (coloured by CSS); U+FE0E asks for text, not emoji, presentation
const GLYPH = { k: '♚', q: '♛', r: '♜', b: '♝', n: '♞', p: '♟' };
const NAME = { k: 'king', q: 'queen', r: 'rook', b: 'bishop', n: 'knight', p: 'pawn' };
const FILES = 'abcdefgh';

/** The FEN's placement field as a map square → piece letter (upper case: white). */
export function piecesOf(fen) {
  const pieces = new Map();
  const ranks = fen.split(' ')[0].split('/');
  ranks.forEach((row, i) => {
    let file = 0;
    for (const c of row) {
      if (/\d/.test(c)) file += Number(c);
      else {
        pieces.set(`${FILES[file]}${8 - i}`, c);
        file += 1;
      }
    }
  });
  return pieces;
}

const sideOf = (piece) => (piece === piece.toUpperCase() ? 'white' : 'black');

/**
 * An HTML board of 64 buttons (each named like "e2, white pawn"): click or press Enter on one
 * of your pieces, then on its target. The board only proposes moves; the server decides.
 */
export function createBoard(el, { onMove }) {
  let view = { fen: null, orientation: 'white', myColor: null, canMove: false, lastMove: null };
  let selected = null;

  function click(square, pieces) {
    if (!view.canMove) return;
    const piece = pieces.get(square);
    const mine = piece && sideOf(piece) === view.myColor;
    if (selected === null || mine) {
      selected = mine && selected !== square ? square : null;
      render(square);
      return;
    }
    const from = selected;
    selected = null;
    const moving = pieces.get(from);
    const promotes = moving?.toLowerCase() === 'p' && (square[1] === '8' || square[1] === '1');
    render(square);
    onMove(promotes ? { from, to: square, promotion: 'q' } : { from, to: square });
  }

  function render(focusSquare) {
    const hadFocus =
      focusSquare ?? (el.contains(document.activeElement) ? document.activeElement.dataset.square : null);
    el.replaceChildren();
    if (!view.fen) return;
    const pieces = piecesOf(view.fen);
    const ranks = view.orientation === 'white' ? [8, 7, 6, 5, 4, 3, 2, 1] : [1, 2, 3, 4, 5, 6, 7, 8];
    const files = view.orientation === 'white' ? [...FILES] : [...FILES].reverse();
    for (const rank of ranks) {
      for (const file of files) {
        const square = `${file}${rank}`;
        const piece = pieces.get(square);
        const dark = (FILES.indexOf(file) + rank) % 2 === 1; // a1 is dark
        const classes = [
          dark ? 'dark' : 'light',
          piece ? (sideOf(piece) === 'white' ? 'w' : 'b') : '',
          selected === square ? 'selected' : '',
          view.lastMove?.includes(square) ? 'last' : '',
        ];
        const label = piece ? `${square}, ${sideOf(piece)} ${NAME[piece.toLowerCase()]}` : `${square}, empty`;
        // rank numbers down the left edge, file letters along the bottom, as seen by this player
        const rankLabel = file === files[0] ? String(rank) : '';
        const fileLabel = rank === ranks[7] ? file : '';
        el.append(
          h(
            'button',
            {
              type: 'button',
              className: classes.filter(Boolean).join(' '),
              'data-square': square,
              'data-piece': piece ?? '',
              'aria-label': label,
              'aria-pressed': selected === square ? 'true' : 'false',
              onclick: () => click(square, pieces),
            },
            piece ? `${GLYPH[piece.toLowerCase()]}\uFE0E` : '',
            rankLabel ? h('span', { className: 'coord rank', 'aria-hidden': 'true' }, rankLabel) : null,
            fileLabel ? h('span', { className: 'coord file', 'aria-hidden': 'true' }, fileLabel) : null,
          ),
        );
      }
    }
    if (hadFocus) el.querySelector(`[data-square="${hadFocus}"]`)?.focus();
  }

  return {
    /** fen, orientation ('white'|'black'), myColor, canMove, lastMove ([from, to] or null) */
    show(next) {
      if (next.fen !== view.fen) selected = null;
      view = { ...view, ...next };
      render();
    },
    clear() {
      view = { ...view, fen: null };
      selected = null;
      render();
    },
  };
}
