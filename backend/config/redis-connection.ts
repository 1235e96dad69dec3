import { readFileSync } from 'node:fs';

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Credentials and TLS of every Redis connection the process opens: each client role, each
 * adapter, each node of a cluster. One setting for all of them, whichever variable it came from.
 */
export interface RedisConnection {
  /** ACL user; undefined = the `default` user (requirepass) */
  username: string | undefined;
  password: string | undefined;
  /** undefined = plain TCP */
  tls: RedisTls | undefined;
}

export interface RedisTls {
  /** PEM bundle of REDIS_TLS_CA_FILE; undefined = Node's public CAs */
  ca: string | undefined;
  /** the name the server certificates are checked against, when nodes are reached by address */
  servername: string | undefined;
}

/** The Redis variables, already trimmed of empty values (config's withoutEmptyValues). */
export interface RedisEnv {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS?: string | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
  REDIS_TLS_SERVERNAME?: string | undefined;
}

/** What a URL (REDIS_URL or one seed) says besides where: the scheme and the user:password. */
interface UrlParts {
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
}

/** One seed of REDIS_CLUSTER_NODES: `host:port`, or `redis[s]://[user:password@]host:port`. */
interface Seed extends RedisNode {
  url: UrlParts | undefined;
}

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** user:password of a URL; never echoes either (problems end up in logs). */
function urlParts(u: URL): UrlParts | string {
  const username = u.username ? decode(u.username) : undefined;
  const password = u.password ? decode(u.password) : undefined;
  if ((u.username && username === undefined) || (u.password && password === undefined))
    return 'the user:password is not valid percent-encoding';
  if (username !== undefined && password === undefined)
    return 'a user name without a password (the form is user:password@, or :password@)';
  return { tls: u.protocol === 'rediss:', username, password };
}

function parseSeed(entry: string): Seed | undefined {
  if (/^rediss?:\/\//i.test(entry)) {
    let u: URL;
    try {
      u = new URL(entry);
    } catch {
      return undefined;
    }
    const port = Number(u.port);
    // a cluster has no database number (SELECT) and takes no options here
    if (!u.hostname || !u.port || (u.pathname !== '' && u.pathname !== '/') || u.search || u.hash)
      return undefined;
    const parts = urlParts(u);
    if (typeof parts === 'string' || port < 1 || port > 65535) return undefined;
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port, url: parts };
  }
  const m = /^([^\s:/@]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(entry);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port, url: undefined };
}

/** REDIS_CLUSTER_NODES → seeds; undefined when any entry is malformed. */
export function parseClusterSeeds(raw: string): Seed[] | undefined {
  const seeds: Seed[] = [];
  for (const entry of raw.split(',').map((s) => s.trim())) {
    const seed = parseSeed(entry);
    if (!seed) return undefined;
    seeds.push(seed);
  }
  return seeds.length > 0 ? seeds : undefined;
}

const sameParts = (a: UrlParts, b: UrlParts) =>
  a.tls === b.tls && a.username === b.username && a.password === b.password;

/**
 * Where Redis is and how to reach it, from REDIS_URL or REDIS_CLUSTER_NODES plus the
 * REDIS_USERNAME / REDIS_PASSWORD / REDIS_TLS* variables. The URL that config keeps has its
 * user:password removed, so it can be shown anywhere; the credentials live in `connection`
 * alone. Problems are returned, never thrown, and never quote a value (it may be a password).
 */
export function parseRedisConnection(e: RedisEnv): {
  url: string | undefined;
  clusterNodes: RedisNode[] | undefined;
  connection: RedisConnection;
  problems: string[];
} {
  const problems: string[] = [];
  let url: string | undefined;
  let clusterNodes: RedisNode[] | undefined;
  // what the URL or the seeds say; every seed that names credentials or a scheme names the same
  let fromUrl: UrlParts | undefined;
  let source = 'REDIS_URL';
  if (e.REDIS_URL) {
    try {
      const u = new URL(e.REDIS_URL);
      const parts = urlParts(u);
      if (typeof parts === 'string') problems.push(`REDIS_URL: ${parts}`);
      else fromUrl = parts;
      u.username = '';
      u.password = '';
      url = u.href;
    } catch {
      problems.push('REDIS_URL: not a valid URL');
    }
  } else if (e.REDIS_CLUSTER_NODES) {
    source = 'REDIS_CLUSTER_NODES';
    const seeds = parseClusterSeeds(e.REDIS_CLUSTER_NODES) ?? [];
    if (seeds.length === 0) problems.push('REDIS_CLUSTER_NODES: comma-separated host:port list');
    const named = seeds.flatMap((s) => (s.url ? [s.url] : []));
    if (named.some((p) => !sameParts(p, named[0]!)))
      problems.push(
        'REDIS_CLUSTER_NODES: every redis:// or rediss:// seed must name the same scheme and user:password (one cluster, one setting)',
      );
    else fromUrl = named[0];
    clusterNodes = seeds.map(({ host, port }) => ({ host, port }));
  }

  const urlHasCredentials = fromUrl?.password !== undefined;
  if (urlHasCredentials && (e.REDIS_USERNAME || e.REDIS_PASSWORD))
    problems.push(`REDIS_PASSWORD: the user:password is in ${source} already; set it in one place`);
  if (e.REDIS_USERNAME && !e.REDIS_PASSWORD && !urlHasCredentials)
    problems.push('REDIS_USERNAME: needs REDIS_PASSWORD (an ACL user logs in with both)');
  const username = urlHasCredentials ? fromUrl?.username : e.REDIS_USERNAME;
  const password = urlHasCredentials ? fromUrl?.password : e.REDIS_PASSWORD;

  // config's schema checks it first; scripts that parse env themselves rely on this
  if (e.REDIS_TLS !== undefined && e.REDIS_TLS !== 'true' && e.REDIS_TLS !== 'false')
    problems.push('REDIS_TLS: true or false');
  const schemeTls = fromUrl?.tls === true;
  if (schemeTls && e.REDIS_TLS === 'false') problems.push(`REDIS_TLS: false, but ${source} says rediss://`);
  const tlsOn = schemeTls || e.REDIS_TLS === 'true';
  let ca: string | undefined;
  if (e.REDIS_TLS_CA_FILE) {
    if (!tlsOn) problems.push('REDIS_TLS_CA_FILE: needs TLS (rediss:// or REDIS_TLS=true)');
    try {
      ca = readFileSync(e.REDIS_TLS_CA_FILE, 'utf8');
      if (!ca.includes('-----BEGIN CERTIFICATE-----'))
        problems.push('REDIS_TLS_CA_FILE: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file');
    } catch (err) {
      problems.push(`REDIS_TLS_CA_FILE: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (e.REDIS_TLS_SERVERNAME && !tlsOn)
    problems.push('REDIS_TLS_SERVERNAME: needs TLS (rediss:// or REDIS_TLS=true)');

  const connection: RedisConnection = {
    username,
    password,
    tls: tlsOn ? { ca, servername: e.REDIS_TLS_SERVERNAME } : undefined,
  };
  // Config objects get logged and serialized by mistake; the password never is.
  Object.defineProperty(connection, 'toJSON', {
    enumerable: false,
    value: () => ({
      ...connection,
      password: connection.password === undefined ? undefined : '[redacted]',
      tls: connection.tls && { ...connection.tls, ca: connection.tls.ca && '[pem]' },
    }),
  });
  return { url, clusterNodes, connection, problems };
}
