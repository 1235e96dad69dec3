import { byId, h, newClientId, onSubmit, timeOf } from './dom.mjs';
import { request } from './realtime.mjs';

/**
 * Conversations with unread counts, one open thread, and a send box. Sends go over the socket
 * with a clientId (REST with the same clientId when the socket is down, so a retry never
 * duplicates); `message:new` appends live and refreshes the unread counts.
 */
export function createChatView(ctx) {
  const listEl = byId('conversations');
  const threadEl = byId('thread');
  const titleEl = byId('thread-title');
  const errorEl = byId('chat-error');
  const form = byId('message-form');
  let open = null; // {id, otherUser}
  const shown = new Set();

  function bubble(m) {
    const mine = m.senderId === ctx.me().id;
    return h(
      'li',
      { className: mine ? 'mine' : '', 'data-message-id': m.id },
      h('small', {}, `${mine ? 'you' : `@${open?.otherUser.username ?? ''}`} · ${timeOf(m.createdAt)}`),
      m.text,
    );
  }

  function append(m) {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    threadEl.append(bubble(m));
    threadEl.scrollTop = threadEl.scrollHeight;
  }

  async function refreshList() {
    const { conversations } = await ctx.api.get('/conversations?limit=30');
    listEl.replaceChildren(
      ...conversations.map((c) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              className: 'link',
              'data-conversation': c.otherUser.username,
              'aria-current': open?.id === c.id ? 'true' : 'false',
              onclick: () => openConversation(c).catch((err) => (errorEl.textContent = err.message)),
            },
            h(
              'span',
              {},
              h('strong', {}, `@${c.otherUser.username}`),
              c.lastMessage ? h('span', { className: 'muted' }, ` ${c.lastMessage.text.slice(0, 40)}`) : '',
            ),
            c.unreadCount > 0
              ? h(
                  'span',
                  { className: 'badge', 'aria-label': `${c.unreadCount} unread` },
                  String(c.unreadCount),
                )
              : '',
          ),
        ),
      ),
    );
    if (conversations.length === 0) listEl.append(h('li', { className: 'muted' }, 'No conversations yet.'));
  }

  async function markSeen(conversationId) {
    const socket = ctx.socket();
    if (socket?.connected) await request(socket, 'message:seen', { conversationId });
    else await ctx.api.post(`/conversations/${conversationId}/seen`);
  }

  async function openConversation(c) {
    open = { id: c.id, otherUser: c.otherUser };
    titleEl.textContent = `With @${c.otherUser.username}`;
    form.elements.namedItem('to').value = c.otherUser.username;
    const { messages } = await ctx.api.get(`/conversations/${c.id}/messages?limit=50`);
    shown.clear();
    threadEl.replaceChildren();
    for (const m of messages.reverse()) append(m);
    if (c.unreadCount > 0) await markSeen(c.id);
    await refreshList();
  }

  async function send(recipient, text, clientId) {
    const socket = ctx.socket();
    if (socket?.connected) {
      try {
        return (await request(socket, 'message:send', { recipientId: recipient.id, text, clientId })).message;
      } catch (err) {
        if (err.code) throw err; // answered: a retry would get the same answer
      }
    }
    return (await ctx.api.post('/messages', { recipientId: recipient.id, text, clientId })).message;
  }

  onSubmit(form, errorEl, async ({ to, text }) => {
    const recipient = await ctx.users.find(to);
    const message = await send(recipient, text, newClientId());
    form.elements.namedItem('text').value = '';
    if (open?.id === message.conversationId) append(message);
    else await openConversation({ id: message.conversationId, otherUser: recipient, unreadCount: 0 });
    await refreshList();
  });

  return {
    attach(socket) {
      socket.on('message:new', ({ message }) => {
        let seen = Promise.resolve();
        if (open?.id === message.conversationId) {
          append(message);
          if (message.senderId !== ctx.me().id) seen = markSeen(message.conversationId);
        }
        // after the seen mark, so an open conversation never flashes an unread badge
        void seen
          .catch(() => {})
          .then(refreshList)
          .catch(() => {});
      });
      // back from a disconnect: what arrived meanwhile is in the lists
      socket.on('connect', () => void refreshList().catch(() => {}));
    },
    start: () => refreshList(),
    stop() {
      open = null;
      shown.clear();
      listEl.replaceChildren();
      threadEl.replaceChildren();
      titleEl.textContent = 'No conversation open';
      errorEl.textContent = '';
    },
  };
}
