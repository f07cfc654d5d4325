'use client';
// A decrypted, verified version's settings, field by field as the provider
// describes them. Secrets stay masked until revealed; Copy works either way.
// A field with a note (field-notes.ts) reads in its own words — "Leased keys:
// Off", "Up to 1 hour" — with its notice under a set value.
import { Alert } from '@/components/ui/alert';
import { DateTime } from '@/components/ui/date-time';
import type { TConfigDocument } from '@/lib/crypto/config-document';
import type { TFieldSpec, TProvider } from '@/lib/schemas/providers/types';
import { FieldNotice } from './field-notice';
import { fieldNote, fieldNotice } from './field-notes';
import { NotSet, SecretText } from './secret-controls';
import { isShown, type TFormValues } from './settings-form';

function asText(field: TFieldSpec, value: unknown): string {
  if (typeof value === 'string') return value;
  if (field.input === 'json' || (typeof value === 'object' && value !== null)) return JSON.stringify(value, null, 2);
  return String(value);
}

function Value({ field, value, name }: { field: TFieldSpec; value: unknown; name: string }) {
  const note = fieldNote(field.name);
  if (value === undefined || value === null || value === '') return note ? <span>{note.unset}</span> : <NotSet />;
  if (note && typeof value === 'string') {
    const notice = fieldNotice(field.name, value);
    return (
      <div className="space-y-2">
        <span className="block">{note.valueText(value)}</span>
        {notice ? <FieldNotice text={notice} /> : null}
      </div>
    );
  }
  if (field.input === 'headers' && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <NotSet>None</NotSet>;
    return (
      <ul className="space-y-1">
        {entries.map(([header, v]) => (
          <li key={header} className="flex flex-wrap items-start gap-2">
            <code className="font-mono text-sm">{header}:</code>
            {field.secret ? <SecretText value={String(v)} name={`${header} header of ${name}`} multiline={false} /> : String(v) === '' ? <NotSet /> : <code className="font-mono text-sm break-all">{String(v)}</code>}
          </li>
        ))}
      </ul>
    );
  }
  const text = asText(field, value);
  const multiline = text.includes('\n') || field.input === 'pem' || field.input === 'json' || field.input === 'textarea';
  if (field.secret) return <SecretText value={text} name={`${field.label} of ${name}`} multiline={multiline} />;
  if (multiline) {
    return <pre className="max-h-64 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-all dark:bg-slate-900">{text}</pre>;
  }
  if (field.input === 'select') return <span>{field.options?.find((o) => o.value === text)?.label ?? text}</span>;
  return <code className="font-mono text-sm break-all">{text}</code>;
}

export function ConfigValues({ provider, document, name }: { provider: TProvider; document: TConfigDocument; name: string }) {
  const stillValid = provider.schema.safeParse(document.settings).success;
  return (
    <div className="space-y-4" data-testid={`config-values-v${document.version}`}>
      {stillValid ? null : (
        <Alert tone="warning" title="These settings no longer pass the provider’s checks">
          The key proxies will refuse this version. Edit it to correct the fields.
        </Alert>
      )}
      <dl className="grid gap-x-6 gap-y-4 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)]">
        {provider.fields.filter((f) => isShown(f, document.settings as TFormValues)).map((field) => (
          <div key={field.name} className="contents">
            <dt className="text-sm font-medium">{field.label}</dt>
            <dd className="min-w-0 text-sm">
              <Value field={field} value={document.settings[field.name]} name={name} />
            </dd>
          </div>
        ))}
      </dl>
      <p className="text-xs text-slate-600 dark:text-slate-400">
        Version {document.version}, signed with the tenant signing key on <DateTime at={document.iat * 1000} />;
        decrypted and verified in this browser.
      </p>
    </div>
  );
}
