import { requestJson } from './http-json';
import { TEST_ADMIN_TOKEN } from './test-env';

/** Sum of a Prometheus series' samples whose labels include every given label, from /metrics. */
export async function scrapeMetric(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await requestJson(`${baseUrl}/metrics`, { token: TEST_ADMIN_TOKEN });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return sumSamples(String(res.body), name, labels);
}

export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
