'use client';
// A controlled single-choice <select> that keeps a choice made before the page
// became interactive. As with checkboxes (checkbox.tsx), React sets a
// server-rendered select back to the value it holds when it hydrates the page,
// so the choice would silently vanish. The select's value is read while the
// component first renders — before React has touched it — and, if the person
// changed it, put back and handed to `onChange` once mounted.
import { useEffect, useId, useRef, useState, type ChangeEvent, type Ref, type SelectHTMLAttributes } from 'react';
import { useHydrated } from '@/lib/client/use-hydrated';

export type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'multiple'> & { ref?: Ref<HTMLSelectElement> };

/**
 * The value the person chose in the server-rendered select, or null when they
 * chose nothing (or it is not hydrating). What the server rendered is the
 * option marked `selected` in the HTML — or, with none, the first one, which
 * the browser shows — so a value the server could not offer yet (its options
 * still loading) is not mistaken for a choice.
 */
function earlyChoice(selectId: string): string | null {
  if (typeof document === 'undefined') return null;
  const select = document.getElementById(selectId);
  if (!(select instanceof HTMLSelectElement) || select.multiple) return null;
  const options = [...select.options];
  const rendered = options.find((option) => option.defaultSelected) ?? options[0];
  return rendered && select.value !== rendered.value ? select.value : null;
}

export function Select({ id, children, ...select }: SelectProps) {
  const generated = useId();
  const selectId = id ?? generated;
  // Only while hydrating: a box or select mounted later (a new form, a remount) has no server-rendered twin to read.
  const hydrated = useHydrated();
  const [early] = useState(() => (hydrated ? null : earlyChoice(selectId)));
  const first = useRef({ value: select.value, onChange: select.onChange, disabled: select.disabled });
  useEffect(() => {
    const { value: initial, onChange: handler, disabled } = first.current;
    const element = document.getElementById(selectId);
    if (early === null || typeof initial !== 'string' || early === initial || !handler || disabled || !(element instanceof HTMLSelectElement)) return;
    // Only a value the select still offers (the options may have changed since the server rendered them).
    if (![...element.options].some((option) => option.value === early)) return;
    element.value = early;
    handler({ target: element, currentTarget: element } as ChangeEvent<HTMLSelectElement>);
  }, [early, selectId]);
  return (
    <select id={selectId} {...select}>
      {children}
    </select>
  );
}
