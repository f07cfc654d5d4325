// Counted nouns in messages people read: "1 second", "2 seconds". Shared by
// the server's errors, the browser's forms and the protocol's messages.

/** `count` and the noun, singular for exactly 1: plural(1, 'second') → "1 second". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** "Try again in 1 second." — the wait a rate limit asks for. */
export const seconds = (count: number): string => plural(count, 'second');
