import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RedisOptions } from 'ioredis';
import { spawnService } from '../../scripts/databases/child-service';
import { freePort, waitForPort } from '../../scripts/databases/free-port';
import { redisServerBinary } from '../../scripts/databases/redis-server';

const run = promisify(execFile);

/** A private CA and one server certificate it signed, as PEM files in a temp dir of their own. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** another CA's certificate: a client trusting only it must refuse the server */
  otherCaFile: string;
  remove(): void;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run(process.env.OPENSSL_BIN ?? 'openssl', args, { cwd: dir, timeout: 20_000 });
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Made by `openssl` at test time (P-256 keys, valid one day). `names` are the server
 * certificate's subjectAltName entries, e.g. ['IP:127.0.0.1'] or ['DNS:redis.test'] (then
 * clients dialling 127.0.0.1 need REDIS_TLS_SERVERNAME=redis.test).
 */
export async function makeTestCertificates(names: string[]): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'social-redis-tls-'));
  const ca = (name: string) =>
    openssl(
      dir,
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=social-scale test ${name}`,
    );
  await Promise.all([ca('ca'), ca('other-ca')]);
  await openssl(dir, 'req', ...ecKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=redis');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${names.join(',')}\n`);
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    otherCaFile: join(dir, 'other-ca.crt'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** How a test's redis-server is secured: TLS with these certificates, and who may log in. */
export interface RedisSecurity {
  certs: TestCertificates;
  password: string;
  /** an ACL user (the `default` user is then switched off); unset = requirepass */
  user?: string;
  /** the ACL user's rules; default every key, channel and command */
  acl?: string[];
}

/**
 * redis-server arguments for TLS only on `port` (no plain port) and the login. TLS is also
 * used between cluster nodes and for replication, so nothing crosses loopback in the clear.
 * Clients present no certificate (tls-auth-clients no), as with managed Redis services.
 */
export function secureServerArgs(port: number, security: RedisSecurity): string[] {
  const { certs, password, user } = security;
  const login = user
    ? [
        '--user',
        'default',
        'off',
        '--user',
        user,
        'on',
        `>${password}`,
        ...(security.acl ?? ['~*', '&*', '+@all']),
        '--masteruser',
        user,
        '--masterauth',
        password,
      ]
    : ['--requirepass', password, '--masterauth', password];
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--tls-cert-file',
    certs.certFile,
    '--tls-key-file',
    certs.keyFile,
    '--tls-ca-cert-file',
    certs.caFile,
    '--tls-auth-clients',
    'no',
    '--tls-replication',
    'yes',
    ...login,
  ];
}

/** redis-cli's options to reach such a server (`--cluster create` included). */
export function secureCliArgs(security: RedisSecurity): string[] {
  return [
    '--tls',
    '--cacert',
    security.certs.caFile,
    ...(security.user ? ['--user', security.user] : []),
    '--pass',
    security.password,
    '--no-auth-warning',
  ];
}

/** ioredis options of a test's own client to such a server (servername for DNS-only certificates). */
export function secureClientOptions(security: RedisSecurity, servername?: string): RedisOptions {
  return {
    ...(security.user ? { username: security.user } : {}),
    password: security.password,
    tls: { ca: readFileSync(security.certs.caFile, 'utf8'), ...(servername ? { servername } : {}) },
  };
}

export interface SecureRedis {
  port: number;
  stop(): Promise<void>;
}

/** One redis-server on a free loopback port, TLS only, with requirepass (or an ACL user). */
export async function startSecureRedis(security: RedisSecurity): Promise<SecureRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'social-redis-secure-'));
  const svc = spawnService(redisServerBinary(), [
    ...secureServerArgs(port, security),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  const stop = async () => {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, { isAlive: svc.isAlive, timeoutMs: 10_000 });
  } catch (err) {
    await stop();
    throw new Error(`redis-server (TLS) did not start: ${(err as Error).message}\n${svc.output()}`);
  }
  return { port, stop };
}
