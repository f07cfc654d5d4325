'use client';
// A controlled checkbox that keeps a tick given before the page became
// interactive. On a slow connection the server-rendered box can be ticked
// before the scripts run; when React hydrates the page it sets the box back to
// the state it holds (unticked), so the tick would vanish and the form would
// say "please confirm" to someone who had. The box's state is read while the
// component first renders — before React has touched that input — and, if the
// person changed it, handed to `onCheckedChange` once mounted.
import { useEffect, useId, useRef, useState, type InputHTMLAttributes, type Ref } from 'react';
import { useHydrated } from '@/lib/client/use-hydrated';

export type CheckboxProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'checked' | 'defaultChecked' | 'onChange'> & {
  ref?: Ref<HTMLInputElement>;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
};

/** The state the person gave the server-rendered box, or null when they did not touch it (or it is not hydrating). */
function earlyState(inputId: string): boolean | null {
  if (typeof document === 'undefined') return null;
  const input = document.getElementById(inputId);
  // defaultChecked is the HTML's `checked` attribute: what the server rendered.
  return input instanceof HTMLInputElement && input.type === 'checkbox' && input.checked !== input.defaultChecked ? input.checked : null;
}

export function Checkbox({ id, checked, onCheckedChange, ...input }: CheckboxProps) {
  const generated = useId();
  const inputId = id ?? generated;
  // Only while hydrating: a box or select mounted later (a new form, a remount) has no server-rendered twin to read.
  const hydrated = useHydrated();
  const [early] = useState(() => (hydrated ? null : earlyState(inputId)));
  const first = useRef({ checked, onCheckedChange, disabled: input.disabled });
  useEffect(() => {
    const { checked: initial, onCheckedChange: handler, disabled } = first.current;
    if (early !== null && early !== initial && !disabled) handler(early);
  }, [early]);
  return <input type="checkbox" id={inputId} checked={checked} onChange={(e) => onCheckedChange(e.target.checked)} {...input} />;
}
