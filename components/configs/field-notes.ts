// What some fields say beyond their value, in the form and on the
// configuration page: the words for "not set" when that is a real choice
// ("Off" rather than "Not set"), how a chosen option reads, and a notice
// shown while the field is set — today the revocation trade-off of leased
// keys (TSP.md "Leased keys"). Keyed by field name, so every provider that
// lists the field gets the same words; the words themselves come from the
// schema module, which the proxy and the docs share.
import { leasedKeyLifetimeField, leasedKeyLifetimeLabel, leasedKeyWarning } from '@/lib/schemas/providers/common';

export type TFieldNote = {
  /** Shown for an empty value: on the page instead of "Not set", and as the select's empty option. */
  unset: string;
  /** The page's text for a set value. */
  valueText: (value: string) => string;
  /** A notice for a set value, or undefined when the value needs none. */
  notice: (value: string) => string | undefined;
};

const FIELD_NOTES: Readonly<Partial<Record<string, TFieldNote>>> = {
  [leasedKeyLifetimeField.name]: {
    unset: 'Off',
    valueText: (value) => {
      const label = leasedKeyLifetimeLabel(value);
      return label ? `Up to ${label}` : value;
    },
    notice: (value) => {
      const label = leasedKeyLifetimeLabel(value);
      return label ? leasedKeyWarning(label) : undefined;
    },
  },
};

/** The note of field `name`, if it has one. */
export function fieldNote(name: string): TFieldNote | undefined {
  return Object.hasOwn(FIELD_NOTES, name) ? FIELD_NOTES[name] : undefined;
}

/** The notice field `name` shows for `value`, or undefined (no note, or not set). */
export function fieldNotice(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return fieldNote(name)?.notice(value.trim());
}
