/**
 * `loadConfig`: a `gateway.yaml` (or JSON) file, YAML text, or an object given in code, to a
 * validated {@link GatewayConfig}, or one {@link ConfigError} listing every problem with its
 * `file:line:col`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '@switchyard/core';
import type { GatewayConfig } from './model.js';
import { fromValue, parseSource, type SourceNode } from './source.js';
import { validateTree } from './validate.js';

const validated = new WeakSet<object>();

/** Whether `value` is a config {@link loadConfig} returned (and so needs no validation). */
export function isGatewayConfig(value: unknown): value is GatewayConfig {
  return typeof value === 'object' && value !== null && validated.has(value);
}

/** `file:line:col: message` (or `file: message`, `message` when the place is not known). */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.file === undefined ? '' : problem.file;
  const at = problem.line === undefined ? '' : `:${problem.line}${problem.col === undefined ? '' : `:${problem.col}`}`;
  return where === '' && at === '' ? problem.message : `${where}${at}: ${problem.message}`;
}

/** The error for a list of problems: its message lists them all, one per line. */
export function configErrorOf(problems: readonly ConfigProblem[], file: string | undefined): ConfigError {
  const first = problems[0];
  const what = file === undefined ? 'invalid gateway config' : `invalid gateway config ${file}`;
  const head = problems.length === 1 ? `${what}:` : `${what}, ${problems.length} problems:`;
  return new ConfigError(`${head}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, {
    ...(first?.file !== undefined ? { file: first.file } : {}),
    ...(first?.line !== undefined ? { line: first.line } : {}),
    ...(first?.col !== undefined ? { col: first.col } : {}),
    problems,
  });
}

function finish(root: SourceNode, file: string | undefined): GatewayConfig {
  const result = validateTree(root, file);
  if (result.config === undefined) throw configErrorOf(result.problems, file);
  validated.add(result.config);
  return result.config;
}

/**
 * Parses and validates gateway config text (YAML, or JSON, which YAML reads too). `file` names it
 * in problems (default `gateway.yaml`).
 * @throws ConfigError listing every problem, each `file:line:col: what was expected`.
 */
export function parseConfig(text: string, file = 'gateway.yaml'): GatewayConfig {
  // A byte-order mark is not content; editors do not count it as a column.
  const { root, problems } = parseSource(text.startsWith('\uFEFF') ? text.slice(1) : text, file);
  if (root === undefined) throw configErrorOf(problems, file);
  if (problems.length > 0) {
    // Keys the parser could not read: report them with whatever the schema finds.
    const result = validateTree(root, file);
    throw configErrorOf([...problems, ...result.problems], file);
  }
  return finish(root, file);
}

/**
 * Loads a gateway config: a path to a `.yaml`/`.yml`/`.json` file (read synchronously), or an
 * object in the shape of the file (snake_case keys, as in gateway.yaml), or a config it returned
 * before (returned as is). Problems in a file are reported as `file:line:col`; in an object by
 * key path (`routes[2].service`).
 * @throws ConfigError listing every problem when the config is invalid or the file unreadable.
 */
export function loadConfig(pathOrObject: string | object): GatewayConfig {
  if (isGatewayConfig(pathOrObject)) return pathOrObject;
  if (typeof pathOrObject === 'string') {
    let text: string;
    try {
      text = readFileSync(pathOrObject, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
      throw new ConfigError(
        `cannot read gateway config ${pathOrObject}: ${reason}`,
        { file: pathOrObject },
        {
          cause: error,
        },
      );
    }
    return parseConfig(text, pathOrObject);
  }
  if (typeof pathOrObject !== 'object' || pathOrObject === null || Array.isArray(pathOrObject)) {
    throw new ConfigError('a gateway config is a file path or an object in the shape of gateway.yaml');
  }
  return finish(fromValue(pathOrObject), undefined);
}
