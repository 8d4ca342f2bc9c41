import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config.js';
import { JsonLogger } from './common/logger.js';
import { createApp } from './app.factory.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const logger = new JsonLogger(config.logLevel);
  process.on('exit', () => logger.flush());
  const app = await createApp(config, logger);
  await app.listen(config.port, config.host);
  logger.write('info', 'portal listening', { url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}/`, database: config.database.type });
}

bootstrap().catch((e: unknown) => {
  process.stderr.write(`启动失败 / start-up failed: ${(e as Error)?.message ?? e}\n`);
  process.exit(1);
});
