import { createHash } from 'node:crypto';
import type { RedisGuard } from '../infra/redis-guard';

type Reply = boolean | number | string | Array<boolean | number | string>;

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/**
 * sendCommand for rate-limit-redis, through the breaker. The store loads its Lua scripts once
 * (SCRIPT LOAD) and keeps the promise: if Redis was down at that moment, the rejected promise
 * would fail every later call forever. So SCRIPT LOAD is answered here (a script's SHA1 is its
 * name), and EVALSHA falls back to EVAL, which also loads the script, after a restart emptied
 * Redis' script cache.
 */
export function redisSendCommand(guard: RedisGuard): (...args: string[]) => Promise<Reply> {
  const scripts = new Map<string, string>();
  return async (command, ...args) => {
    const cmd = command!.toUpperCase();
    if (cmd === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' && args[1] !== undefined) {
      const sha = sha1(args[1]);
      scripts.set(sha, args[1]);
      return sha;
    }
    if (cmd === 'EVALSHA') {
      const [sha, ...rest] = args;
      const script = scripts.get(sha!);
      try {
        return (await guard.run((r) => r.call('EVALSHA', sha!, ...rest))) as Reply;
      } catch (err) {
        const noScript = /NOSCRIPT/.test((err as Error).message);
        if (!noScript || script === undefined) throw err;
        return (await guard.run((r) => r.call('EVAL', script, ...rest))) as Reply;
      }
    }
    return (await guard.run((r) => r.call(command!, ...args))) as Reply;
  };
}
