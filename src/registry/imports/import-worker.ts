import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { RegistryImportsService } from './registry-imports.service.js';

/** How often the worker looks for queued or abandoned jobs. */
const POLL_MS = 2000;

/**
 * The in-process import worker (DESIGN.md §10: jobs are rows; workers in the app process by
 * default). One job at a time per instance; claiming is an atomic UPDATE, so several instances
 * never run the same job. On shutdown the current job stops after its batch and stays resumable.
 */
@Injectable()
export class ImportWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RegistryImportWorker');
  private timer?: NodeJS.Timeout;
  private busy: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly imports: RegistryImportsService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  /** Looks for work now (after an upload) instead of at the next poll. */
  kick(): void {
    if (this.busy || this.stopping) return;
    this.busy = this.drain().finally(() => {
      this.busy = null;
    });
  }

  /** Resolves when the worker is idle (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.busy) await this.busy;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopping) return;
        const id = await this.imports.nextRunnableJobId();
        if (id === null) return;
        await this.imports.runJob(id, { shouldStop: () => this.stopping });
      }
    } catch (err) {
      this.logger.error(`import worker: ${err instanceof Error ? err.name : 'error'}`);
    }
  }
}
