import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; instanceId: string; version: string }): Logger {
  return pino({
    level: opts.level,
    base: { instance: opts.instanceId, version: opts.version, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
      censor: '[redacted]',
    },
  });
}
