'use client';
// The second factor's 10 recovery codes, shown once right after it is turned on,
// with ways to keep them that never involve the server: copy, a .txt download
// made in the browser, and printing only the codes (PrintableCodes below, with
// the print rules in app/globals.css).
import { useState } from 'react';
import { createPortal } from 'react-dom';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { downloadText } from '@/lib/client/download';
import { recoveryCodesFileName, recoveryCodesText, utcMinute } from '@/lib/client/recovery-codes-file';

function printCodes() {
  const root = document.documentElement;
  root.classList.add('print-codes');
  // Some browsers return from print() before printing; afterprint is the real end.
  window.addEventListener('afterprint', () => root.classList.remove('print-codes'), { once: true });
  window.print();
}

/**
 * What "Print the codes" prints: a page of its own, rendered straight under <body> and
 * shown only in print while html.print-codes is set; everything else in <body> is then
 * display:none, so the printout is one short page (hidden content would still take up
 * pages if it were only made invisible).
 */
function PrintableCodes({ email, codes, createdAt }: { email: string; codes: string[]; createdAt: Date }) {
  return createPortal(
    <div data-print-root="recovery-codes" className="hidden p-4 text-black">
      <h1 className="text-lg font-semibold">CMK configuration broker: recovery codes for {email}</h1>
      <p className="mt-1 text-sm">Made on {utcMinute(createdAt)}. Each code works once, in place of the code from your authenticator app.</p>
      <ul className="mt-3 grid grid-cols-2 gap-2 font-mono text-sm" data-testid="mfa-recovery-codes-print">
        {codes.map((c) => (
          <li key={c} className="rounded border border-slate-400 px-2 py-1">
            {c}
          </li>
        ))}
      </ul>
    </div>,
    document.body,
  );
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
      <ul className="grid grid-cols-2 gap-2 font-mono text-sm" data-testid="mfa-recovery-codes">
        {codes.map((c) => (
          <li key={c} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
            {c}
          </li>
        ))}
      </ul>
      <PrintableCodes email={email} codes={codes} createdAt={createdAt} />
      <div className="flex flex-wrap items-center gap-3">
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
        {/* Last in the row, so its confirmation appears after it without pushing the other buttons. */}
        <CopyButton value={`${codes.join('\n')}\n`} copied="The 10 codes were copied to the clipboard.">
          Copy the codes
        </CopyButton>
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
