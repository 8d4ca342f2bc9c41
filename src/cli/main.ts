import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { runCli } from './commands.js';

/** `npm run cli -- <command> …` (see USAGE in commands.ts). Exit code 0 ok, 1 refused/failed, 2 usage, 78 configuration. */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 78;
    }
    throw e;
  }
  return runCli(process.argv.slice(2), config, { out: (l) => console.log(l), err: (l) => console.error(l) });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`错误 / error: ${(e as Error)?.message ?? e}`);
    process.exit(1);
  },
);
