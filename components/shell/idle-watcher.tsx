'use client';
// Ends an idle session in the browser too: after the idle timeout without
// keyboard, pointer or scroll activity the keys are wiped and the user signed
// out — the server has already stopped honouring the session by then.
import { useEffect } from 'react';
import { signOutAndWipe } from './sign-out-button';

const EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart', 'focus'] as const;

export function IdleWatcher({ idleMinutes }: { idleMinutes: number }) {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void signOutAndWipe('idle'), idleMinutes * 60_000);
    };
    reset();
    for (const event of EVENTS) window.addEventListener(event, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const event of EVENTS) window.removeEventListener(event, reset);
    };
  }, [idleMinutes]);
  return null;
}
