/** `callgate serve`: load config, build the app, start, and shut down in order on SIGTERM/SIGINT. */
import { loadConfig, type ConfigSources } from '../config/load-config';
import { buildApp, defaultDeps } from '../app';

/** `onServing` runs once the app serves (bin/callgate.js: V8's tier-up budget back to its default). */
export async function runServe(sources: ConfigSources, onServing?: () => void): Promise<void> {
  const config = loadConfig(sources);
  const deps = defaultDeps(config);
  const app = buildApp(config, deps);
  await app.start();
  onServing?.();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    deps.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        deps.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
