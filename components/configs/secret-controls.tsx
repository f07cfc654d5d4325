'use client';
// Credentials on screen: masked until the admin reveals them, with a Copy
// button that never shows the value. Buttons are named after the field and
// the configuration ("Show API key of Production KMS"), so a screen reader
// user knows which secret a button reveals. An empty field has no Copy
// button (there is nothing to copy); shown, it says "Not set" in words.
import { useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { INPUT_CLASS, inputBorder, type TControlProps } from './field-shell';

export const MASK = '••••••••••••';

/** Copies to the clipboard and says so in a polite live region; nothing at all for an empty value. */
export function CopyButton({ value, name }: { value: string; name: string }) {
  const [result, setResult] = useState<'copied' | 'failed' | null>(null);
  if (value === '') return null;
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setResult('copied');
    } catch {
      setResult('failed');
    }
    window.setTimeout(() => setResult(null), 3000);
  }
  return (
    <>
      <Button variant="secondary" className="px-3" onClick={() => void copy()} aria-label={`Copy ${name}`}>
        Copy
      </Button>
      <span role="status" className="sr-only">
        {result === 'copied' ? `${name} copied` : result === 'failed' ? `${name} could not be copied` : ''}
      </span>
      {result === 'failed' ? <span className="text-xs text-red-700 dark:text-red-400">Copy is not allowed here</span> : null}
    </>
  );
}

/** An absent or empty value, in words (never an empty box with a Copy button). */
export function NotSet({ children = 'Not set' }: { children?: string }) {
  return <span className="text-slate-600 dark:text-slate-400">{children}</span>;
}

function RevealButton({ shown, onToggle, name }: { shown: boolean; onToggle: () => void; name: string }) {
  return (
    <Button variant="secondary" className="px-3" onClick={onToggle} aria-pressed={shown} aria-label={`${shown ? 'Hide' : 'Show'} ${name}`}>
      {shown ? 'Hide' : 'Show'}
    </Button>
  );
}

type TSecretInputProps = {
  control: TControlProps;
  name: string;
  fieldName: string;
  value: string;
  multiline: boolean;
  error?: string;
  disabled?: boolean;
  placeholder?: string;
  onChange: (value: string) => void;
  extra?: ReactNode;
};

/**
 * A secret being typed: a password input (or, for multi-line secrets such as
 * private keys, a textarea drawn with discs) that the browser neither
 * autocompletes nor spell-checks.
 */
export function SecretInput({ control, name, fieldName, value, multiline, error, disabled, placeholder, onChange, extra }: TSecretInputProps) {
  const [shown, setShown] = useState(false);
  const common = {
    ...control,
    name: fieldName,
    value,
    disabled,
    placeholder,
    autoComplete: 'off',
    spellCheck: false,
    'data-secret': 'true',
    className: `${INPUT_CLASS} ${inputBorder(error)} font-mono`,
  };
  return (
    <div className="flex flex-wrap items-start gap-2">
      <div className="min-w-0 flex-1">
        {multiline ? (
          <textarea
            {...common}
            rows={shown ? 8 : 3}
            className={`${common.className} ${shown ? '' : '[-webkit-text-security:disc]'}`}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <input {...common} type={shown ? 'text' : 'password'} autoComplete="new-password" onChange={(e) => onChange(e.target.value)} />
        )}
      </div>
      <RevealButton shown={shown} onToggle={() => setShown((s) => !s)} name={name} />
      <CopyButton value={value} name={name} />
      {extra}
    </div>
  );
}

/** A decrypted secret in view mode: masked, with Show/Hide and Copy; an empty one says "Not set" and offers neither. */
export function SecretText({ value, name, multiline }: { value: string; name: string; multiline: boolean }) {
  const [shown, setShown] = useState(false);
  if (value === '') return <NotSet />;
  return (
    <div className="flex flex-wrap items-start gap-2">
      {shown ? (
        multiline ? (
          <pre className="max-h-64 min-w-0 flex-1 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-all dark:bg-slate-900">{value}</pre>
        ) : (
          <code className="min-w-0 flex-1 rounded-md bg-slate-50 px-2 py-1 font-mono text-sm break-all dark:bg-slate-900">{value}</code>
        )
      ) : (
        <span className="min-w-0 flex-1 font-mono text-sm text-slate-600 dark:text-slate-400">
          <span aria-hidden="true">{MASK}</span>
          <span className="sr-only">Hidden</span>
        </span>
      )}
      <RevealButton shown={shown} onToggle={() => setShown((s) => !s)} name={name} />
      <CopyButton value={value} name={name} />
    </div>
  );
}
