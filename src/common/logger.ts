import type { LoggerService } from '@nestjs/common';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * Structured JSON lines on stdout. Callers pass only non-personal fields: ids of records, codes,
 * timings — never reporter data, ID numbers, report bodies or client addresses (house style habit 8).
 */
export class JsonLogger implements LoggerService {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly level: LogLevel = 'info') {}

  write(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    // Lines are batched per event-loop turn: stdout to a pipe or file is a synchronous write on
    // Linux, and one system call per request line costs more than the request itself under load.
    this.pending.push(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }) + '\n');
    if (level === 'error' || level === 'warn') return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is pending (also on shutdown). */
  flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const chunk = this.pending.join('');
    this.pending = [];
    process.stdout.write(chunk);
  }

  log(message: unknown, context?: string): void {
    this.write('info', String(message), context ? { context } : {});
  }
  error(message: unknown, _trace?: string, context?: string): void {
    // Traces are not written: a stack may carry values; the correlation id ties the error to the request.
    this.write('error', String(message), context ? { context } : {});
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', String(message), context ? { context } : {});
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', String(message), context ? { context } : {});
  }
  verbose(message: unknown, context?: string): void {
    this.write('debug', String(message), context ? { context } : {});
  }
}

export const LOGGER = Symbol('LOGGER');
