import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import helmet from 'helmet';
import hbs from 'hbs';
import cookieParser from 'cookie-parser';
import type { Csrf } from './common/csrf.js';
import { CSRF } from './common/common.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppModule } from './app.module.js';
import { JsonLogger } from './common/logger.js';
import { requestContext } from './common/request-context.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { registerViewHelpers } from './common/view-helpers.js';
import { registerOpenApi } from './openapi.js';

/** Repository root (works from src/ under ts-jest and from dist/src/ when built). */
export const ROOT_DIR = (() => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(`${join('dist', 'src')}`) ? join(here, '..', '..') : join(here, '..');
})();

/**
 * Builds the whole portal (the same for `npm start`, the tests and the benchmarks): security headers,
 * views, body limits, correlation ids and request logs, the error filter, shutdown hooks.
 */
export async function createApp(config: AppConfig, logger = new JsonLogger(config.logLevel)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
      hsts: config.secureCookies,
    }),
  );
  app.use(express.json({ limit: '256kb' }));
  app.use(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 500 }));
  app.use(cookieParser());
  app.use(app.get<Csrf>(CSRF).middleware);
  registerOpenApi(app);
  app.useStaticAssets(join(ROOT_DIR, 'views', 'assets'), { prefix: '/assets/', maxAge: '1h', index: false });
  app.setBaseViewsDir(join(ROOT_DIR, 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  app.set('view cache', config.viewCache);
  hbs.registerPartials(join(ROOT_DIR, 'views', 'partials'));
  registerViewHelpers(hbs);
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  app.enableShutdownHooks();
  return app;
}
