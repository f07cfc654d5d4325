'use client';
// Whether this component runs in a page whose scripts have taken over (false
// in the server render and during hydration, true after). Controls use it so
// that input given before then is neither lost nor sent as a plain HTML form.
import { useSyncExternalStore } from 'react';

const subscribe = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
