import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * HTTP calls over one kept-alive connection per host, for benches that time requests one at a
 * time: `fetch` (undici) spends a few hundred microseconds of its own per call in this process,
 * which a bench that runs the server in the same process would count as the server's.
 */
export function createHttpCaller(): {
  call(method: string, url: string, headers?: Record<string, string>, body?: string): Promise<HttpAnswer>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    call: (method, url, headers = {}, body) =>
      new Promise<HttpAnswer>((resolve, reject) => {
        const req = request(url, { method, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
