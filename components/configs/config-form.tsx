'use client';
// Creating or editing a configuration. Every field is checked with the
// provider's own schema before anything is sealed; the first field with a
// problem gets focus. Saving signs and encrypts in this browser ("Sealing…")
// against the listing the form was opened with, so a change made elsewhere
// meanwhile is refused rather than overwritten.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field, SelectField } from '@/components/ui/field';
import { sealDraftTest } from '@/lib/client/config-tests';
import { saveConfig, type TTenantContext } from '@/lib/client/configs';
import { fieldErrors } from '@/lib/client/fetchers';
import { tenantKeys } from '@/lib/client/query-keys';
import { ZConfigLabel } from '@/lib/schemas/config-change';
import { findProvider, providersOfKind } from '@/lib/schemas/providers/registry';
import type { TConfigKind } from '@/lib/schemas/providers/types';
import { ChangeFailed } from './config-alerts';
import { ConfigTestRunner } from './config-test-panel';
import { ProviderFields } from './provider-fields';
import { emptyValues, firstErrorKey, FORM_ERROR, hasErrors, issuesToErrors, shownFields, toSettings, type TFormErrors, type TFormValues } from './settings-form';
import type { TOverview } from './use-configs';

export type TConfigFormProps = {
  tenant: string;
  ctx: TTenantContext;
  kind: TConfigKind;
  /** Set when editing: the configuration, its decrypted settings as form values, and the listing they came from. */
  editing?: { configId: string; providerId: string; label: string; values: TFormValues; base: TOverview };
  /** When creating: the verified listing on screen now. */
  current?: TOverview;
  onSaved: (result: { configId: string; version: number }) => void;
  onCancel?: () => void;
  onReload: () => void;
};

/** Ids of the form's controls: the name and provider, then provider fields and header cells by error key. */
function controlId(formId: string, key: string): string {
  return key === 'label' || key === 'provider' ? `${formId}-${key}` : `${formId}-f-${key.replaceAll('.', '-')}`;
}

export function ConfigForm({ tenant, ctx, kind, editing, current, onSaved, onCancel, onReload }: TConfigFormProps) {
  const queryClient = useQueryClient();
  const formId = useId();
  const idFor = (key: string) => controlId(formId, key);
  const [providerId, setProviderId] = useState(editing?.providerId ?? '');
  const [label, setLabel] = useState(editing?.label ?? '');
  const [values, setValues] = useState<TFormValues>(editing?.values ?? {});
  const [errors, setErrors] = useState<TFormErrors>({});
  const [focusRequest, setFocusRequest] = useState<{ key: string } | null>(null);
  const provider = providerId ? findProvider(providerId) : undefined;
  const choices = providersOfKind(kind);

  useEffect(() => {
    // After the messages are rendered, so the focused control already points at its error.
    if (!focusRequest) return;
    const element = document.getElementById(controlId(formId, focusRequest.key));
    const target = element instanceof HTMLFieldSetElement ? element.querySelector<HTMLElement>('input, textarea, select') : element;
    target?.focus();
  }, [focusRequest, formId]);

  const key = tenantKeys.configs(tenant);
  const save = useMutation({
    mutationFn: (input: { base: TOverview; settings: Record<string, unknown>; label: string; providerId: string }) =>
      saveConfig(ctx, input.base.listing, { configId: editing?.configId, kind, provider: input.providerId, label: input.label, settings: input.settings }),
    onMutate: async (input) => {
      // Shown at once where the label appears; put back if the broker refuses.
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<TOverview>(key);
      if (previous && editing) {
        queryClient.setQueryData<TOverview>(key, { ...previous, rows: previous.rows.map((r) => (r.id === editing.configId ? { ...r, label: input.label } : r)) });
      }
      return { previous };
    },
    onError: (_error, _input, context) => {
      if (context?.previous) queryClient.setQueryData(key, context.previous);
    },
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: key });
      onSaved(result);
    },
  });

  function showErrors(next: TFormErrors) {
    setErrors(next);
    const order = ['label', 'provider', ...(provider ? shownFields(provider, values).map((f) => f.name) : [])];
    const first = firstErrorKey(order, next);
    setFocusRequest(first ? { key: first } : null);
  }

  /** The settings checked with the provider's own schema; problems go into `next`. */
  function checkSettings(next: TFormErrors): Record<string, unknown> | null {
    if (!provider) {
      next.provider = `Choose the ${kind.toUpperCase()} provider.`;
      return null;
    }
    const converted = toSettings(provider, values);
    Object.assign(next, converted.errors);
    const checked = provider.schema.safeParse(converted.settings);
    if (!checked.success) for (const [k, message] of Object.entries(issuesToErrors(checked.error.issues, provider))) next[k] ??= message;
    return converted.settings;
  }

  /** "Test before saving": the same checks (the name aside), then a draft sealed to the approved deployments only. */
  function prepareTest() {
    save.reset();
    const next: TFormErrors = {};
    const settings = checkSettings(next);
    const base = editing?.base ?? current;
    if (!base) next[FORM_ERROR] = 'The configurations are still loading. Try again in a moment.';
    if (hasErrors(next) || !settings || !provider || !base) {
      showErrors(next);
      return null;
    }
    setErrors({});
    const draft = { kind, provider: provider.id, configId: editing?.configId ?? null, settings };
    return () => sealDraftTest(ctx, base.state, draft);
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    const next: TFormErrors = {};
    const parsedLabel = ZConfigLabel.safeParse(label);
    if (!parsedLabel.success) next.label = parsedLabel.error.issues[0]?.message ?? 'Give the configuration a name.';
    const settings = checkSettings(next) ?? {};
    const base = editing?.base ?? current;
    if (!base) next[FORM_ERROR] = 'The configurations are still loading. Try again in a moment.';
    if (hasErrors(next) || !provider || !base || !parsedLabel.success) return showErrors(next);
    setErrors({});
    save.mutate(
      { base, settings, label: parsedLabel.data, providerId: provider.id },
      {
        onError: (error) => {
          const server = fieldErrors(error);
          if (server['put.label']) showErrors({ label: server['put.label'] });
        },
      },
    );
  }

  const busy = save.isPending;
  const contextLabel = label.trim() || editing?.label || '';
  return (
    <form onSubmit={onSubmit} noValidate aria-label={editing ? `Edit ${editing.label}` : `New ${kind.toUpperCase()} configuration`} className="space-y-5">
      {errors[FORM_ERROR] ? <Alert tone="error">{errors[FORM_ERROR]}</Alert> : null}
      {hasErrors(errors) && !errors[FORM_ERROR] ? (
        <Alert tone="error" title="Nothing was sealed">
          Some fields need attention; each says what to change.
        </Alert>
      ) : null}
      {save.isError ? <ChangeFailed
          error={save.error}
          onReload={() => {
            save.reset();
            onReload();
          }}
        /> : null}
      <fieldset disabled={busy} className="space-y-5">
        <Field
          id={idFor('label')}
          name="label"
          label="Name"
          help="How you and other administrators recognise this configuration, like “Production KMS (eu-west-1)”. Visible to the broker and the vendor."
          autoComplete="off"
          value={label}
          error={errors.label}
          onChange={(e) => setLabel(e.target.value)}
        />
        {editing ? null : (
          <SelectField
            id={idFor('provider')}
            name="provider"
            label="Provider"
            value={providerId}
            error={errors.provider}
            options={[{ value: '', label: 'Choose a provider…' }, ...choices.map((p) => ({ value: p.id, label: p.label }))]}
            onChange={(e) => {
              const next = findProvider(e.target.value);
              setProviderId(e.target.value);
              setValues(next ? emptyValues(next) : {});
              setErrors({});
            }}
          />
        )}
        {provider ? (
          <>
            <p className="text-sm text-slate-600 dark:text-slate-400">{provider.description}</p>
            <ProviderFields
              provider={provider}
              values={values}
              errors={errors}
              idFor={idFor}
              configLabel={contextLabel}
              onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
            />
          </>
        ) : null}
      </fieldset>
      {busy ? (
        <p role="status" aria-busy="true" className="text-sm text-slate-600 dark:text-slate-400">
          Sealing: checking, signing and encrypting in this browser, then saving the ciphertext…
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3">
        <Button type="submit" busy={busy} busyLabel="Sealing…">
          {editing ? `Seal and save ${editing.label} as a new version` : 'Seal and save'}
        </Button>
        {onCancel ? (
          <Button variant="secondary" onClick={onCancel} disabled={busy} aria-label={editing ? `Cancel editing ${editing.label}` : 'Cancel'}>
            Cancel
          </Button>
        ) : null}
      </div>
      <section aria-label="Test before saving" className="space-y-2 border-t border-slate-200 pt-4 dark:border-slate-800">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Test these settings at every approved deployment before saving: they are sealed in this browser to the deployments’ keys only, and nothing is
          saved.
        </p>
        <ConfigTestRunner tenant={tenant} label="Test before saving" disabled={busy} prepare={prepareTest} />
      </section>
    </form>
  );
}
