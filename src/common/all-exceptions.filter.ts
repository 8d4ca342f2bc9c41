import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, TooManyRequestsError } from './domain-error.js';
import type { JsonLogger } from './logger.js';

interface Normalised {
  status: number;
  code: string;
  message: string;
  fields?: Record<string, string>;
}

const STATUS_CODES: Record<number, [string, string]> = {
  400: ['bad_request', '请求有误'],
  401: ['unauthenticated', '请先登录'],
  403: ['forbidden', '请求被拒绝，请刷新页面后重试'],
  404: ['not_found', '未找到该页面或记录'],
  405: ['method_not_allowed', '不支持该操作'],
  413: ['payload_too_large', '提交的内容或文件过大'],
  415: ['unsupported_media_type', '不支持的内容类型'],
  429: ['rate_limited', '操作过于频繁，请稍后再试'],
};

const CSRF_INVALID: Normalised = { status: 403, code: 'csrf_invalid', message: '页面已过期或请求无效，请刷新页面后重新提交' };

/** Maps any thrown value to the API's `{ error: { code, message, fields? } }` or to the error page. No stack traces to users. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: JsonLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const n = this.normalise(exception);
    if (n.status >= 500) {
      const e = exception as { name?: string; code?: string; driverError?: { code?: string } };
      // Only the class and the driver code: messages of database errors carry the parameters.
      this.logger.write('error', 'unhandled error', { reqId: req.id, error: e?.name ?? typeof exception, code: e?.driverError?.code ?? e?.code });
    }
    if (res.headersSent) return;
    res.setHeader('Cache-Control', 'no-store');
    if (exception instanceof TooManyRequestsError && exception.retryAfterSeconds) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    const wantsJson = req.originalUrl.startsWith('/api/') || (req.headers.accept ?? '').startsWith('application/json');
    if (wantsJson) {
      res.status(n.status).json({ error: { code: n.code, message: n.message, ...(n.fields ? { fields: n.fields } : {}) } });
      return;
    }
    res.status(n.status).render('pages/error', { title: '提示', status: n.status, message: n.message, code: n.code }, (err, html) => {
      if (err) res.type('text/plain; charset=utf-8').send(n.message);
      else res.type('html').send(html);
    });
  }

  private normalise(exception: unknown): Normalised {
    if (exception instanceof DomainError) return { status: exception.status, code: exception.code, message: exception.message, fields: exception.fields };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest wraps errors passed to next() by Express middleware (csrf-csrf's http-error) as their cause.
      if ((exception.cause as { code?: string } | undefined)?.code === 'csrf_invalid') return CSRF_INVALID;
      const [code, message] = STATUS_CODES[status] ?? (status >= 500 ? ['internal_error', '系统暂时无法处理，请稍后再试'] : ['bad_request', '请求有误']);
      return { status, code, message };
    }
    const e = exception as { status?: number; statusCode?: number; type?: string; code?: string };
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (e.code === 'EBADCSRFTOKEN' || e.code === 'csrf_invalid') return CSRF_INVALID;
      const [code, message] = STATUS_CODES[status] ?? ['bad_request', '请求有误'];
      return { status, code, message };
    }
    if (e?.code === 'LIMIT_FILE_SIZE') return { status: 413, code: 'file_too_large', message: '文件过大' };
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal_error', message: '系统暂时无法处理，请稍后再试。您填写的内容没有被保存。' };
  }
}
