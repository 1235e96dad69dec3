/** Known short games, as SAN lists, for the rules, service and multi-instance tests. */

/** The shortest mate: black mates on move two. */
export const FOOLS_MATE = ['f3', 'e5', 'g4', 'Qh4#'];

/** Sam Loyd's ten-move stalemate: after white's 10.Qe6 black has no move and is not in check. */
// biome-ignore format: one move pair per row reads as a score sheet
export const LOYD_STALEMATE = [
  'e3', 'a5',
  'Qh5', 'Ra6',
  'Qxa5', 'h5',
  'h4', 'Rah6',
  'Qxc7', 'f6',
  'Qxd7+', 'Kf7',
  'Qxb7', 'Qd3',
  'Qxb8', 'Qh7',
  'Qxc8', 'Kg6',
  'Qe6',
];

/** White's h-pawn takes its way to g7, black to move having just played Nc6: white promotes next. */
export const TO_PROMOTION = ['h4', 'g5', 'hxg5', 'Nh6', 'gxh6', 'Bg7', 'hxg7', 'Nc6'];
