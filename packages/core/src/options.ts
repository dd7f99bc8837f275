import { InvalidArgumentError } from './errors.js';

/**
 * Throws {@link InvalidArgumentError} naming the first own key of `value` that is not in `known`
 * (`options.maxkeys`, `nodes[2].wieght`). A misspelt option would otherwise be ignored and its
 * default used in silence — `maxkeys: 10` would leave a table of 100,000 keys. Non-objects pass:
 * each caller has its own message for a value that is not an object at all. Both implementations
 * call it through their shared normalizers (docs/architecture.md, "Errors").
 */
export function checkKnownKeys(value: unknown, known: readonly string[], argument: string, what = 'option'): void {
  if (typeof value !== 'object' || value === null) return;
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(`${argument}.${key}`, `unknown ${what}; expected ${listOf(known)}`);
    }
  }
}

function listOf(names: readonly string[]): string {
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
