'use client';
// The second factor's 10 recovery codes, shown once right after it is turned on,
// with ways to keep them that never involve the server: copy, a .txt download
// made in the browser, and printing only the codes (the print rules in
// app/globals.css hide the rest of the page while `html.print-codes` is set).
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { downloadText, recoveryCodesFileName, recoveryCodesText } from '@/lib/client/recovery-codes-file';

function printCodes() {
  const root = document.documentElement;
  root.classList.add('print-codes');
  // Some browsers return from print() before printing; afterprint is the real end.
  window.addEventListener('afterprint', () => root.classList.remove('print-codes'), { once: true });
  window.print();
}

export function RecoveryCodes({ email, codes, onDone }: { email: string; codes: string[]; onDone: () => void }) {
  const [createdAt] = useState(() => new Date());
  const [downloaded, setDownloaded] = useState(false);
  const file = () => recoveryCodesText({ email, origin: window.location.origin, codes, createdAt });
  return (
    <div className="mt-4 space-y-4">
      <Alert tone="success" title="Second factor is on">
        Store these 10 recovery codes somewhere safe. Each works once, in place of a code, if you lose your device. They are shown only now.
      </Alert>
      <section data-print="recovery-codes" aria-labelledby="mfa-codes-title" className="space-y-3">
        <h3 id="mfa-codes-title" className="sr-only print:not-sr-only print:text-lg print:font-semibold">
          CMK configuration broker: recovery codes for {email}
        </h3>
        <p className="hidden text-sm print:block">
          Made on {createdAt.toLocaleString()}. Each code works once, in place of the code from your authenticator app.
        </p>
        <ul className="grid grid-cols-1 gap-2 font-mono text-sm min-[420px]:grid-cols-2" data-testid="mfa-recovery-codes">
          {codes.map((c) => (
            <li key={c} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800 print:border print:border-slate-400 print:bg-white">
              {c}
            </li>
          ))}
        </ul>
      </section>
      <div className="flex flex-wrap items-center gap-3">
        <CopyButton value={`${codes.join('\n')}\n`} copied="The 10 codes were copied to the clipboard.">
          Copy the codes
        </CopyButton>
        <Button
          variant="secondary"
          onClick={() => {
            downloadText(file(), recoveryCodesFileName(createdAt));
            setDownloaded(true);
          }}
        >
          Download as a text file
        </Button>
        <Button variant="secondary" onClick={printCodes}>
          Print the codes
        </Button>
      </div>
      <p role="status" aria-live="polite" className="text-sm text-emerald-800 dark:text-emerald-300">
        {downloaded ? `Download started: ${recoveryCodesFileName(createdAt)}.` : ''}
      </p>
      <Button variant="secondary" onClick={onDone}>
        I have stored them
      </Button>
    </div>
  );
}
