// Checks the numeric flags of a command before it runs. yargs turns a value
// that is not a number into NaN and drops the text, so the check reads the
// text again from the arguments to show the user what they typed.

import { Parser } from 'yargs/helpers';
import { UsageError } from './errors.js';

/** The whole numbers a flag accepts. */
export interface WholeNumberRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Returns a yargs `check` that throws a UsageError naming the flag, its value
 * and the accepted range when a flag in `ranges` was given anything else.
 */
export function checkWholeNumberFlags(args: string[], ranges: Record<string, WholeNumberRange>) {
  return (argv: Record<string, unknown>): true => {
    const flags = Object.keys(ranges);
    // Aliasing the camel-case spelling collects the values of both spellings,
    // so `--filesPerDay 2 --files-per-day 3` reads as the flag given twice.
    const alias = Object.fromEntries(flags.map((flag) => [flag, [camelCase(flag)]]));
    const typedText = Parser(args, { string: flags, alias });
    for (const [flag, range] of Object.entries(ranges)) {
      const text = typedText[flag];
      if (text !== undefined) checkWholeNumber(args, flag, text, argv[flag], range);
    }
    return true;
  };
}

function checkWholeNumber(
  args: string[],
  flag: string,
  text: unknown,
  value: unknown,
  range: WholeNumberRange,
) {
  const accepted = `whole number from ${range.min} to ${range.max}`;

  if (!isText(text)) {
    throw new UsageError(`${spellingAsTyped(args, flag)}: expected --${flag} with a ${accepted}`);
  }
  if (Array.isArray(text)) {
    throw new UsageError(`--${flag} ${text.join(' ')}: expected a single ${accepted}`);
  }
  if (text === '') {
    throw new UsageError(`--${flag} is missing its value: expected a ${accepted}`);
  }
  const number = typeof value === 'number' ? value : NaN;
  if (!Number.isSafeInteger(number) || number < range.min || number > range.max) {
    throw new UsageError(`--${flag} ${String(text)}: expected a ${accepted}`);
  }
}

/**
 * Tells whether yargs kept the value as text. It reads `--flag.key` as an
 * object and `--no-flag` as false.
 */
function isText(text: unknown): boolean {
  if (Array.isArray(text)) return text.every((item) => typeof item === 'string');
  return typeof text === 'string';
}

/** Returns the first argument naming `flag` as `--flag.key` or `--no-flag`, without its value. */
function spellingAsTyped(args: string[], flag: string): string {
  const names = [flag, camelCase(flag)];
  const typed = args
    .map((arg) => arg.split('=')[0])
    .find((name) => names.some((n) => name === `--no-${n}` || name.startsWith(`--${n}.`)));
  return typed ?? `--${flag}`;
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
