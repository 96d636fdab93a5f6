/**
 * Hot reload. Watches the bundle directory recursively (fs.watch; a Kubernetes ConfigMap mount changes by
 * an atomic `..data` symlink swap, which shows up as an event in the directory itself) and, as a safety net
 * for missed or unsupported events, also polls. Any signal → debounce → read the files and compute the
 * revision → if it changed, load into the generation not serving now → onLoaded (the caller swaps) or
 * onRejected (the caller keeps the last good bundle). Reloads never overlap; the generation alternates only
 * after a successful load, so the bundle serving now is never overwritten in cedar-wasm's cache.
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import type { BundleProblem, PolicyBundle } from './types';
import { readBundleFiles, statBundleFiles } from './bundle-files';
import { loadBundle, type LoadBundleOptions } from './load-bundle';

export interface BundleWatcherEvents {
  onLoaded(bundle: PolicyBundle): void;
  onRejected(problems: readonly BundleProblem[]): void;
}

export interface WatchBundleOptions {
  /** Quiet time after the last change before reloading. Default 200 ms. */
  readonly debounceMs?: number;
  /** Poll interval as a safety net for missed events, at least POLL_SHARE × the last poll's duration; 0 disables. Default 5000 ms. */
  readonly pollMs?: number;
  /** Revision serving now (skip reloading it). Default: the directory's revision when watching starts. */
  readonly currentRevision?: string;
  /** Passed to loadBundle (tests inject the Cedar call). */
  readonly authorize?: LoadBundleOptions['authorize'];
  /** Further loadBundle options (the validation cache directory, ...); the generation is the watcher's. */
  readonly load?: Omit<LoadBundleOptions, 'generation' | 'authorize'>;
}

export const DEFAULT_DEBOUNCE_MS = 200;
export const DEFAULT_POLL_MS = 5000;
/** A poll waits at least this many times its own duration before the next (~1-2 % of a core with its garbage). */
export const POLL_SHARE = 100;

/** Delay before the next poll: `pollMs`, or longer when stating the files took long (large bundles). */
export function nextPollDelay(pollMs: number, lastPollMs: number): number {
  return Math.max(pollMs, Math.ceil(lastPollMs * POLL_SHARE));
}

interface WatchState {
  /** Revision serving now (last loaded or given). */
  serving: string | undefined;
  /** Last revision looked at (a rejected one is not retried until the files change again). */
  revision: string | undefined;
  generation: 0 | 1;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  again: boolean;
  /** The files' metadata signature the poll saw last (statBundleFiles); undefined = read at the next tick. */
  seen: string | undefined;
  closed: boolean;
}

export function watchBundle(dir: string, events: BundleWatcherEvents, options: WatchBundleOptions = {}): { close(): Promise<void> } {
  const prefix = randomUUID().slice(0, 8);
  const state: WatchState = { serving: options.currentRevision, revision: options.currentRevision, generation: 0, timer: undefined, running: undefined, again: false, closed: false, seen: undefined };
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const baseline = state.revision === undefined ? currentRevision(dir).then((r) => {
    state.serving ??= r;
    state.revision ??= r;
  }) : Promise.resolve();

  const reload = (): Promise<void> => reloadOnce(dir, state, { prefix, baseline, events, options });
  const run = (): void => {
    if (state.closed) return;
    if (state.running !== undefined) {
      state.again = true;
      return;
    }
    state.running = reload()
      .catch((err: unknown) => events.onRejected([{ code: 'io', file: dir, message: `reload failed: ${(err as Error).message}` }]))
      .finally(() => {
        state.running = undefined;
        if (state.again) {
          state.again = false;
          schedule();
        }
      });
  };
  const schedule = (): void => {
    if (state.closed) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = setTimeout(run, debounceMs);
  };

  const watcher = startFsWatch(dir, schedule);
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  // The poll is a safety net for missed fs.watch events: it only stats the files, and reads them (and
  // hashes 40 MB at 100,000 policies) only when their metadata changed. Stating 10,000 files takes
  // ~0.2-0.3 s of CPU, so the next poll waits at least POLL_SHARE times as long as this one took (its
  // wall time or the process's CPU meanwhile, whichever is longer: under load, polls come less often).
  let poll: NodeJS.Timeout | undefined;
  const schedulePoll = (delayMs: number): void => {
    if (state.closed) return;
    poll = setTimeout(pollTick, delayMs);
    poll.unref();
  };
  const pollTick = (): void => {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    statBundleFiles(dir)
      .then(
        (signature) => {
          if (signature === state.seen) return;
          state.seen = signature;
          schedule();
        },
        () => {
          state.seen = undefined;
          schedule();
        },
      )
      // The process's CPU, not only the wall time: the stats run on libuv's threads, in parallel.
      .finally(() => schedulePoll(nextPollDelay(pollMs, Math.max(performance.now() - started, cpuMs(process.cpuUsage(cpuBefore))))));
  };
  if (pollMs > 0) schedulePoll(pollMs);
  return {
    async close() {
      state.closed = true;
      if (state.timer !== undefined) clearTimeout(state.timer);
      if (poll !== undefined) clearTimeout(poll);
      watcher?.close();
      await state.running;
    },
  };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

interface ReloadContext {
  readonly prefix: string;
  readonly baseline: Promise<void>;
  readonly events: BundleWatcherEvents;
  readonly options: WatchBundleOptions;
}

async function reloadOnce(dir: string, state: WatchState, ctx: ReloadContext): Promise<void> {
  await ctx.baseline;
  const revision = await currentRevision(dir);
  if (revision === undefined) state.seen = undefined; // unreadable now (mid-swap): the next poll reads again
  if (state.closed || revision === undefined || revision === state.revision) return;
  state.revision = revision;
  if (revision === state.serving) return;
  const generation = `${ctx.prefix}-${state.generation === 0 ? 'a' : 'b'}`;
  const result = await loadBundle(dir, { ...ctx.options.load, generation, ...(ctx.options.authorize ? { authorize: ctx.options.authorize } : {}) });
  if (state.closed) return;
  if (result.kind === 'loaded') {
    state.serving = result.bundle.revision;
    state.revision = result.bundle.revision;
    state.generation = state.generation === 0 ? 1 : 0;
    ctx.events.onLoaded(result.bundle);
    return;
  }
  // A read failure may be transient (a ConfigMap swap in progress): look again at the next signal.
  if (result.problems.some((p) => p.code === 'io')) {
    state.revision = undefined;
    state.seen = undefined;
  }
  ctx.events.onRejected(result.problems);
}

function startFsWatch(dir: string, onChange: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(dir, { recursive: true, persistent: false }, onChange);
    watcher.on('error', () => undefined); // the poll keeps working if the directory disappears
    return watcher;
  } catch {
    return undefined;
  }
}

/** The directory's revision, or undefined when it cannot be read right now (e.g. mid-swap). */
async function currentRevision(dir: string): Promise<string | undefined> {
  try {
    return (await readBundleFiles(dir)).revision;
  } catch {
    return undefined;
  }
}
