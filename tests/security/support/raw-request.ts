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
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, text, body, contentType: res.headers.get('content-type') ?? '' };
}

export function fuzzRuns(): number {
  const n = Number(process.env.FUZZ_RUNS ?? '1000');
  return Number.isFinite(n) && n > 0 ? n : 1000;
}
