'use client';
// A controlled checkbox that keeps a tick given before the page became
// interactive. On a slow connection the server-rendered box can be ticked
// before the scripts run; when React hydrates the page it sets the box back to
// the state it holds (unticked), so the tick would vanish and the form would
// say "please confirm" to someone who had. The box's state is read while the
// component first renders — before React has touched that input — and, if the
// person changed it, handed to `onCheckedChange` once mounted.
import { useEffect, useId, useRef, useState, type InputHTMLAttributes, type Ref } from 'react';

export type CheckboxProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'checked' | 'defaultChecked' | 'onChange'> & {
  ref?: Ref<HTMLInputElement>;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
};

/** The server-rendered box's state as the person left it, or null when there is none (not hydrating). */
function earlyState(inputId: string): boolean | null {
  if (typeof document === 'undefined') return null;
  const input = document.getElementById(inputId);
  return input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : null;
}

export function Checkbox({ id, checked, onCheckedChange, ...input }: CheckboxProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const [early] = useState(() => earlyState(inputId));
  const first = useRef({ checked, onCheckedChange, disabled: input.disabled });
  useEffect(() => {
    const { checked: initial, onCheckedChange: handler, disabled } = first.current;
    if (early !== null && early !== initial && !disabled) handler(early);
  }, [early]);
  return <input type="checkbox" id={inputId} checked={checked} onChange={(e) => onCheckedChange(e.target.checked)} {...input} />;
}
