import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Request, Response } from 'express';

/** Where the OpenAPI document of /api/v1 is served (public, no session needed). */
export const OPENAPI_PATH = '/api/v1/openapi.json';

/**
 * Builds the OpenAPI 3 document of the JSON API: every controller under /api/v1 (pages are left out —
 * only paths starting with /api/v1 are kept), with the error shape `{ error: { code, message, fields? } }`.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('清风 Qingfeng API')
    .setDescription(
      '低保领域监督举报平台的 JSON 接口：公开提交举报与凭查询码查询（需验证码，见各接口说明）；工作人员的受理操作' +
        '（会话 Cookie qf_sess，POST 时带 X-CSRF-Token）。错误统一为 { "error": { "code", "message", "fields"? } }，code 为稳定的机器可读代码。',
    )
    .setVersion('1')
    .addCookieAuth('qf_sess')
    .build();
  const doc = SwaggerModule.createDocument(app, config, { deepScanRoutes: true });
  doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/v1/')));
  return doc;
}

/**
 * Serves the document at {@link OPENAPI_PATH}, built on first request and cached. Registered directly on
 * the HTTP adapter (before Nest's routes), so it is public without touching the global guard.
 */
export function registerOpenApi(app: INestApplication): void {
  let doc: OpenAPIObject | undefined;
  app.getHttpAdapter().get(OPENAPI_PATH, (_req: Request, res: Response) => {
    doc ??= buildOpenApiDocument(app);
    res.setHeader('Cache-Control', 'no-cache');
    res.json(doc);
  });
}
