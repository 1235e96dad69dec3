// The admin API with the token from this tab's sessionStorage, as a bearer header.
const KEY = 'console.adminToken';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class AuthError extends Error {}

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token.get() ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401 || res.status === 403) throw new AuthError(json.error?.message ?? 'not allowed');
  if (!res.ok) throw new Error(json.error?.message ?? `${method} ${path}: ${res.status}`);
  return json;
}

/**
 * Server-sent events over fetch (EventSource cannot send an Authorization header). Calls
 * onEvent(name, data) per event; resolves when the stream ends, rejects on failure.
 */
export async function stream(path, onEvent, signal) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token.get() ?? ''}` }, signal });
  if (res.status === 401 || res.status === 403) throw new AuthError('not allowed');
  if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
      end = buffer.indexOf('\n\n');
    }
  }
}
