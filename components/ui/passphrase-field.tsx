'use client';
// A passphrase input with a Show/Hide button, for every passphrase the app asks for.
// - The button (aria-pressed) is named by its content, "Show passphrase" / "Hide
//   passphrase", not by aria-label, so a search by label finds only the input.
// - Only the input's type changes (same element), so the typed text stays; a mouse
//   click does not take focus from the input, so the caret stays where it was.
// - Shown text is hidden again when the form is submitted, before the browser looks
//   at the form: a text input's value could land in the browser's form history.
// - No spell-checking or autocorrection: they would see (or send off) a shown passphrase.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type Ref } from 'react';
import { Field, type FieldProps } from './field';

export type PassphraseFieldProps = Omit<FieldProps, 'type' | 'addon'> & {
  /** What the button shows or hides, as in "Show …": defaults to the label in lower case. */
  revealName?: string;
};

function assignRef<T>(ref: Ref<T> | undefined, value: T | null) {
  if (typeof ref === 'function') ref(value);
  else if (ref) (ref as { current: T | null }).current = value;
}

export function PassphraseField({ revealName, label, ref, ...field }: PassphraseFieldProps) {
  const [shown, setShown] = useState(false);
  const input = useRef<HTMLInputElement | null>(null);
  const selection = useRef<[number | null, number | null] | null>(null);
  const name = revealName ?? label.toLowerCase();
  const setInput = useCallback(
    (el: HTMLInputElement | null) => {
      input.current = el;
      assignRef(ref, el);
    },
    [ref],
  );

  useEffect(() => {
    const form = input.current?.form;
    if (!form) return;
    const hide = () => {
      if (input.current) input.current.type = 'password';
      setShown(false);
    };
    form.addEventListener('submit', hide, true);
    return () => form.removeEventListener('submit', hide, true);
  }, []);

  // Changing the type may move the caret; put it back where the person left it.
  useLayoutEffect(() => {
    const el = input.current;
    const saved = selection.current;
    selection.current = null;
    if (el && saved && document.activeElement === el) el.setSelectionRange(saved[0], saved[1]);
  }, [shown]);

  return (
    <Field
      {...field}
      label={label}
      ref={setInput}
      type={shown ? 'text' : 'password'}
      spellCheck={false}
      autoCapitalize="none"
      autoCorrect="off"
      addon={
        <button
          type="button"
          aria-pressed={shown}
          onMouseDown={(event) => {
            if (document.activeElement === input.current) event.preventDefault();
          }}
          onClick={() => {
            const el = input.current;
            if (el && document.activeElement === el) selection.current = [el.selectionStart, el.selectionEnd];
            setShown((s) => !s);
          }}
          className="absolute inset-y-1 right-1 rounded px-3 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800"
        >
          {shown ? 'Hide' : 'Show'}
          <span className="sr-only"> {name}</span>
        </button>
      }
    />
  );
}
