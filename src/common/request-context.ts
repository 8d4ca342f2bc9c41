import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { JsonLogger } from './logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Correlation id of this request (X-Request-Id). */
    id: string;
  }
}

/** Paths are logged without query strings and with long digit runs masked (receipt codes never travel in URLs, but be safe). */
export function loggablePath(url: string): string {
  return url.split('?')[0].replace(/\d{8,}/g, '…').slice(0, 200);
}

/** Assigns a correlation id and writes one structured line per request (no personal data, no client address). */
export function requestContext(logger: JsonLogger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.header('x-request-id');
    req.id = given && /^[A-Za-z0-9-]{8,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.write('info', 'request', { reqId: req.id, method: req.method, path: loggablePath(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 });
    });
    next();
  };
}
