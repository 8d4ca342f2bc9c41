import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createApp } from '../../src/app.factory.js';
import { JsonLogger } from '../../src/common/logger.js';
import { freshTestDatabase } from './test-database.js';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  ds: DataSource;
  /** supertest target */
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  close: () => Promise<void>;
}

/**
 * Boots the real AppModule on a fresh database (real migrations; division codes of Hunan only, 43)
 * with a fresh data directory. `env` adds environment settings; `overrides` replace config fields.
 */
export async function createTestApp(opts: { env?: Record<string, string>; overrides?: Partial<AppConfig> } = {}): Promise<TestApp> {
  const db = freshTestDatabase();
  const config = loadConfig(
    { NODE_ENV: 'test', DATA_DIR: db.dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', UPLOADS_PER_WINDOW: '1000', ...opts.env },
    { database: db.database, ...opts.overrides },
  );
  const app = await createApp(config, new JsonLogger(config.logLevel));
  await app.init();
  const ds = app.get(DataSource);
  return {
    app,
    config,
    ds,
    server: app.getHttpServer(),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
