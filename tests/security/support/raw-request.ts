export interface RawResponse {
  status: number;
  text: string;
  body: unknown;
  contentType: string;
}

/** One HTTP request with full control of the body bytes (fetch keeps connections alive). */
export async function rawRequest(
  url: string,
  opts: { method: string; headers?: Record<string, string>; body?: Buffer | string | undefined },
): Promise<RawResponse> {
  const res = await fetch(url, {
    method: opts.method,
    headers: opts.headers,
    body: opts.method === 'GET' || opts.method === 'HEAD' ? undefined : opts.body,
  });
  // an event stream (GET /admin/console/stream) never ends: its first event is the answer judged
  const text = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? await firstEvent(res)
    : await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, text, body, contentType: res.headers.get('content-type') ?? '' };
}

async function firstEvent(res: Response): Promise<string> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return text;
}

export function fuzzRuns(): number {
  const n = Number(process.env.FUZZ_RUNS ?? '1000');
  return Number.isFinite(n) && n > 0 ? n : 1000;
}
