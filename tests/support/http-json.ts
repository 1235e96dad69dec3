import { assertConforms } from './api-conformance';

/** A JSON body in tests: assertions check its shape, so it is deliberately untyped. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by assertions, not types
export type JsonBody = any;

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: JsonBody;
}

/** fetch against a real server process; body is parsed JSON (or text when not JSON). */
export async function requestJson(
  url: string,
  opts: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: JsonBody = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  // every answer of the app (a proxy's own error page has no request id) is checked against
  // /openapi.json (tests/support/api-conformance.ts)
  if (res.headers.has('x-request-id'))
    assertConforms({
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      url,
      status: res.status,
      contentType: res.headers.get('content-type') ?? undefined,
      body,
    });
  return { status: res.status, headers: res.headers, body };
}
