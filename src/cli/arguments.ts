// Parsers for command arguments that are not settings (settings are parsed by the config schema).
// They throw commander's InvalidArgumentError, which commander reports naming the option.
import { InvalidArgumentError } from 'commander';

export function positiveInteger(text: string): number {
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return Number(text);
}

export function wholeNumber(text: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError('expected a whole number.');
  }
  return Number(text);
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return value;
}

/** A comma list whose items must each be one of `choices`; duplicates are dropped. */
export function choiceList<T extends string>(choices: readonly T[]): (text: string) => T[] {
  return (text) => {
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const wrong = items.filter((item) => !(choices as readonly string[]).includes(item));
    if (items.length === 0 || wrong.length > 0) {
      throw new InvalidArgumentError(`expected a comma list of ${choices.join(', ')}${wrong.length ? ` (not ${wrong.join(', ')})` : ''}.`);
    }
    return [...new Set(items)] as T[];
  };
}
