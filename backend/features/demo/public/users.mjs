/** Public profiles by id, fetched once: messages and panels' data carry ids, the page shows names. */
export function createUserDirectory(api) {
  const byId = new Map();
  return {
    remember(user) {
      if (user?.id) byId.set(user.id, Promise.resolve(user));
    },
    get(id) {
      if (!byId.has(id)) {
        const p = api.get(`/users/${encodeURIComponent(id)}`).then((r) => r.user);
        p.catch(() => byId.delete(id));
        byId.set(id, p);
      }
      return byId.get(id);
    },
    async name(id) {
      try {
        return (await this.get(id)).username;
      } catch {
        return id.slice(-6);
      }
    },
    /** by username; a fresh read, since it also carries isFollowing */
    async find(username) {
      const { user } = await api.get(`/users/${encodeURIComponent(username.trim().toLowerCase())}`);
      this.remember(user);
      return user;
    },
  };
}
