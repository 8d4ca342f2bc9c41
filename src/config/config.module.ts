import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './app-config.js';
import { JsonLogger, LOGGER } from '../common/logger.js';

/** Injection token of the validated {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** `logger`: the process's {@link JsonLogger} (injectable as LOGGER); a silent one when not given (CLI). */
  static forRoot(config: AppConfig, logger: JsonLogger = new JsonLogger('silent')): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [APP_CONFIG, LOGGER],
    };
  }
}
