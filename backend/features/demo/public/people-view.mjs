import { byId, h, onSubmit, timeOf } from './dom.mjs';

/** Find a user by username and follow them; write a post; read the feed (followed users and self). */
export function createPeopleView(ctx) {
  const profileEl = byId('profile');
  const errorEl = byId('people-error');
  const feedEl = byId('feed');

  function renderProfile(user) {
    const me = ctx.me();
    const self = user.id === me.id;
    const button = self
      ? h('span', { className: 'muted' }, 'you')
      : h(
          'button',
          {
            type: 'button',
            className: user.isFollowing ? 'secondary' : '',
            'aria-pressed': user.isFollowing ? 'true' : 'false',
            onclick: () => toggleFollow(user).catch((err) => (errorEl.textContent = err.message)),
          },
          user.isFollowing ? 'Unfollow' : 'Follow',
        );
    profileEl.replaceChildren(
      h(
        'div',
        { className: 'profile', 'data-username': user.username },
        h(
          'div',
          {},
          h('strong', {}, `@${user.username}`),
          user.name ? ` ${user.name}` : '',
          h('br'),
          h(
            'small',
            { className: 'muted' },
            `${user.followersCount} followers · ${user.followingCount} following`,
          ),
        ),
        button,
      ),
    );
  }

  async function toggleFollow(user) {
    errorEl.textContent = '';
    const path = `/users/${user.id}/follow`;
    const result = user.isFollowing ? await ctx.api.del(path) : await ctx.api.put(path);
    renderProfile({ ...user, isFollowing: result.following, followersCount: result.followersCount });
    await refreshFeed();
  }

  async function refreshFeed() {
    const { posts } = await ctx.api.get('/feed?limit=20');
    feedEl.replaceChildren(
      ...posts.map((p) =>
        h(
          'li',
          { className: 'post' },
          h('small', {}, `@${p.author.username} · ${timeOf(p.createdAt)}`),
          h('p', {}, p.text),
        ),
      ),
    );
    if (posts.length === 0)
      feedEl.append(h('li', { className: 'muted' }, 'Nothing yet: follow someone or post.'));
  }

  onSubmit(byId('find-form'), errorEl, async ({ username }) => renderProfile(await ctx.users.find(username)));
  onSubmit(byId('post-form'), errorEl, async ({ text }, form) => {
    await ctx.api.post('/posts', { text });
    form.reset();
    await refreshFeed();
  });
  byId('feed-refresh').addEventListener('click', () =>
    refreshFeed().catch((err) => (errorEl.textContent = err.message)),
  );

  return {
    start: () => refreshFeed(),
    stop() {
      profileEl.replaceChildren();
      feedEl.replaceChildren();
      errorEl.textContent = '';
    },
  };
}
