import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface BundleWatcherOptions {
  /** Quiet time after the last change before `onChange` runs. */
  debounceMs: number;
  onChange: () => void;
  onError: (err: Error) => void;
}

/**
 * Watches a bundle directory or `.tar.gz` and calls `onChange` once per burst
 * of changes. Editors and build tools replace files by rename (atomic save),
 * which silently ends a watch on the old inode; so the parent directory is
 * watched for the bundle's name, and a directory bundle's own watch is
 * re-armed after every burst.
 */
export class BundleWatcher {
  private parent: FSWatcher | undefined;
  private inner: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly path: string;

  constructor(
    path: string,
    private readonly options: BundleWatcherOptions,
  ) {
    this.path = resolve(path);
  }

  start(): void {
    this.parent = this.tryWatch(
      dirname(this.path),
      (file) => file === null || file === basename(this.path),
    );
    this.armInner();
  }

  private armInner(): void {
    this.inner?.close();
    this.inner = this.tryWatch(this.path, () => true);
  }

  private tryWatch(
    path: string,
    relevant: (file: string | null) => boolean,
  ): FSWatcher | undefined {
    try {
      const w = watch(path, { persistent: false }, (_event, file) => {
        if (relevant(file === null ? null : String(file))) this.schedule();
      });
      w.on('error', () => {
        // The watched path went away (deleted or replaced); the parent watch brings it back.
        if (w === this.inner) this.inner = undefined;
        w.close();
      });
      return w;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.options.onError(err as Error);
      return undefined;
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.armInner();
      this.options.onChange();
    }, this.options.debounceMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.parent?.close();
    this.inner?.close();
    this.parent = this.inner = undefined;
  }
}
