import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { freePort, waitForPort } from '../databases/free-port';

/** deploy/nginx/nginx.conf, from dist/scripts/staging (compiled) or scripts/staging (ts) alike */
const SHIPPED_CONF = join(
  __dirname,
  '..',
  '..',
  ...(__dirname.includes(`${sep}dist${sep}`) ? ['..'] : []),
  'deploy',
  'nginx',
  'nginx.conf',
);

export interface NginxProcess {
  url: string;
  port: number;
  pid: number;
  output(): string;
  /** resolves when nginx has exited, for whatever reason */
  exited: Promise<void>;
  /** graceful stop (SIGQUIT: open requests finish), then the scratch folder goes */
  stop(): Promise<void>;
}

/**
 * The staging config exactly as shipped (deploy/nginx/nginx.conf), with only what differs on
 * one machine rewritten: the upstream servers become loopback ports, it listens on a free
 * loopback port, and logs and temp files go to a scratch folder.
 */
export function renderNginxConf(
  upstreamPorts: number[],
  listenPort: number,
  scratch: string,
  listenHost = '127.0.0.1',
): string {
  const shipped = readFileSync(SHIPPED_CONF, 'utf8');
  // the shipped server parameters (max_fails…), on loopback ports
  const params = /^\s*server app\d+:5000([^;]*);/m.exec(shipped)?.[1] ?? '';
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p}${params};`).join('\n');
  const conf = shipped
    .replace(/^\s*server app\d+:5000[^;]*;\n/gm, '')
    .replace(/(upstream app \{\n(?:\s*ip_hash;\n)?)/, `$1${servers}\n`)
    .replace(/listen 80;/, `listen ${listenHost}:${listenPort};`)
    .replace(/^worker_processes auto;/m, 'worker_processes 1;')
    .replace(
      /http \{\n/,
      `http {\n  access_log off;\n  client_body_temp_path ${scratch}/body;\n  proxy_temp_path ${scratch}/proxy;\n`,
    );
  if (!conf.includes(`127.0.0.1:${upstreamPorts[0]}`) || !conf.includes(`listen ${listenHost}:${listenPort}`))
    throw new Error('deploy/nginx/nginx.conf changed shape: the staging test cannot rewrite it');
  return conf;
}

export async function startNginx(
  upstreamPorts: number[],
  opts: {
    port?: number;
    host?: string /** also write nginx's log lines to our stderr */;
    echo?: boolean;
  } = {},
): Promise<NginxProcess> {
  const scratch = mkdtempSync(join(tmpdir(), 'staging-nginx-'));
  mkdirSync(join(scratch, 'logs'));
  const port = opts.port ?? (await freePort());
  const confFile = join(scratch, 'nginx.conf');
  writeFileSync(confFile, renderNginxConf(upstreamPorts, port, scratch, opts.host));
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', scratch, '-c', confFile, '-g', `daemon off; pid ${scratch}/nginx.pid; error_log stderr warn;`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    if (opts.echo) process.stderr.write(c);
    out += c.toString();
  });
  const exited = once(child, 'exit');
  try {
    await waitForPort(port, { isAlive: () => child.exitCode === null, timeoutMs: 10000 });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(
      `nginx did not start (is it installed? apt-get install nginx-light): ${(err as Error).message}\n${out}`,
    );
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => out,
    pid: child.pid!,
    exited: exited.then(() => undefined),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT'); // graceful: finish open requests
        await exited;
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
