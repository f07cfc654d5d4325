'use client';
// Signing out wipes this browser's unlocked keys first, then ends the session.
import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { wipeAllKeys } from '@/lib/client/key-store';

export async function signOutAndWipe(reason: 'signed-out' | 'idle' | 'everywhere'): Promise<void> {
  await wipeAllKeys();
  await signOut({ redirectTo: `/sign-in?reason=${reason}` });
}

export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void signOutAndWipe('signed-out');
      }}
      className="shrink-0 whitespace-nowrap rounded px-2 py-1 hover:text-slate-900 disabled:opacity-60 dark:hover:text-white"
    >
      {busy ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
