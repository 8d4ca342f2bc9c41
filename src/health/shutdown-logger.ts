import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, type JsonLogger } from '../common/logger.js';

/**
 * Says when a graceful shutdown starts and ends (SIGTERM/SIGINT: the server stops accepting, open
 * requests finish, the database closes), and flushes the log: Nest re-raises the signal afterwards,
 * which ends the process without an 'exit' event.
 */
@Injectable()
export class ShutdownLogger implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(@Inject(LOGGER) private readonly logger: JsonLogger) {}

  beforeApplicationShutdown(signal?: string): void {
    this.logger.write('info', 'shutting down', signal ? { signal } : {});
    this.logger.flush();
  }

  onApplicationShutdown(signal?: string): void {
    this.logger.write('info', 'shut down', signal ? { signal } : {});
    this.logger.flush();
  }
}
