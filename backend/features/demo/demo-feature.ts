import type { Feature } from '../feature';
import { createDemo, demoApi } from './create-demo';

/**
 * The demo client at /demo: plain HTML, CSS and ES modules (people and feed, chat), plus the
 * panels other installed features declare for the shell `demo`.
 */
export const demo: Feature = {
  name: 'demo',
  description: 'The /demo browser client (sign in, follow, post, chat, and the panels of installed features)',
  api: [demoApi],
  create: (ctx) => ({
    routes: [
      {
        path: '/demo',
        access: 'public',
        router: createDemo({
          panels: ctx.installed.flatMap((feature) =>
            (feature.clientPanels ?? [])
              .filter((panel) => panel.shell === 'demo')
              .map((panel) => ({ name: feature.name, dir: panel.dir, entry: panel.entry })),
          ),
        }),
      },
    ],
  }),
};
