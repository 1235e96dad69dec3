import type { ErrorRequestHandler, RequestHandler } from 'express';
import { NotFoundError } from '../errors/app-error';
import { toAppError } from '../errors/to-app-error';
import type { Logger } from '../infra/logger';

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`Route ${req.method} ${req.path}`));
};

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appErr = toAppError(err);
    const log = (req as { log?: Logger }).log ?? logger;
    // ERROR only for our faults; client mistakes are expected traffic.
    if (appErr.status >= 500) log.error({ err }, 'request failed');
    else log.debug({ code: appErr.code }, appErr.message);
    if (res.headersSent) return;
    res.status(appErr.status).json({ error: appErr.toJSON() });
  };
}
