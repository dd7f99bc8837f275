/**
 * Runs the built `switchyard` CLI (packages/adapters/bin/switchyard.mjs, over dist/, which
 * `npm test` builds first) as a child process and watches what it prints.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../packages/adapters/bin/switchyard.mjs', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A finished CLI run. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI command to completion. */
export function runCli(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running child whose combined output can be awaited. */
export interface Child {
  proc: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  readonly output: string;
  /** Resolves when `pattern` has been printed `count` times (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number, count?: number): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Spawns `node <script> ...args` and collects its output. */
export function spawnNode(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of waiters) w();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    proc,
    get output() {
      return output;
    },
    waitFor(pattern, timeoutMs = 15_000, count = 1) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return new Promise((resolve, reject) => {
        const check = () => {
          const n = [...output.matchAll(global)].length;
          if (n >= count) {
            cleanup();
            resolve(output);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            cleanup();
            reject(new Error(`process exited before printing ${pattern} x${count}; output:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern} x${count}; output:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}

/** Spawns `switchyard ...args`. */
export function spawnCli(args: string[]): Child {
  return spawnNode(CLI, args);
}
