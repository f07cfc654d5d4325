// A field's notice (field-notes.ts) under its control or its value: amber,
// as warnings are elsewhere, with AA contrast in light and dark schemes, and
// wrapping inside the field's width on a narrow screen.
const NOTICE_CLASS =
  'rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm break-words text-amber-950 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100';

export function FieldNotice({ id, text }: { id?: string; text: string }) {
  return (
    <p id={id} className={NOTICE_CLASS} data-testid="field-notice">
      {text}
    </p>
  );
}

/**
 * For forms: the live region is there before any notice, so a screen reader
 * announces the notice when a choice makes it appear or change (a region
 * inserted together with its text is often not announced).
 */
export function LiveFieldNotice({ id, text }: { id: string; text: string | undefined }) {
  return (
    <div aria-live="polite" aria-atomic="true">
      {text ? <FieldNotice id={id} text={text} /> : null}
    </div>
  );
}
