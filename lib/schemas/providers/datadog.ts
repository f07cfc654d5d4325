// Datadog Logs settings: which Datadog site the tenant's organisation lives
// on, and the API key that lets the key proxies submit logs to it.
import { z } from 'zod';
import { defineField, defineProvider, siemQueueFullField, ZRequiredText, ZSiemSettingsObject } from './common';

/**
 * Datadog's sites (the API reference's "Send logs" lists one logs intake per site). A fixed list rather than a free host name, so a
 * configuration can only ever send logs to Datadog (the proxy builds
 * `https://http-intake.logs.<site>` from it).
 */
export const DATADOG_SITES = [
  { value: 'datadoghq.com', label: 'US1 (datadoghq.com)' },
  { value: 'us3.datadoghq.com', label: 'US3 (us3.datadoghq.com)' },
  { value: 'us5.datadoghq.com', label: 'US5 (us5.datadoghq.com)' },
  { value: 'datadoghq.eu', label: 'EU1 (datadoghq.eu)' },
  { value: 'ap1.datadoghq.com', label: 'AP1 (ap1.datadoghq.com)' },
  { value: 'ap2.datadoghq.com', label: 'AP2 (ap2.datadoghq.com)' },
  { value: 'uk1.datadoghq.com', label: 'UK1 (uk1.datadoghq.com)' },
  { value: 'ddog-gov.com', label: 'US1-FED (ddog-gov.com)' },
  { value: 'us2.ddog-gov.com', label: 'US2-FED (us2.ddog-gov.com)' },
] as const;

type TDatadogSite = (typeof DATADOG_SITES)[number]['value'];
const SITE_VALUES = DATADOG_SITES.map((site) => site.value) as [TDatadogSite, ...TDatadogSite[]];

export const ZDatadogSite = z.enum(SITE_VALUES, {
  error: 'Choose the Datadog site your organisation uses, like datadoghq.eu (it is in your Datadog URL).',
});

const API_KEY_EXAMPLE = '0123456789abcdef0123456789abcdef';

/**
 * Datadog API keys are 32 lower-case hex characters. Application keys (40)
 * are the usual mix-up: they cannot submit logs, so they get their own message.
 */
export const ZDatadogApiKey = ZRequiredText(`Enter the Datadog API key, like ${API_KEY_EXAMPLE}.`, (value) => {
  if (/^[0-9a-f]{40}$/i.test(value)) {
    return `This looks like an application key (40 characters); use an API key of 32 hex characters, like ${API_KEY_EXAMPLE}.`;
  }
  if (!/^[0-9a-f]{32}$/.test(value)) return `The API key must be 32 lower-case hex characters, like ${API_KEY_EXAMPLE}.`;
  return undefined;
});

export const ZDatadogSettings = ZSiemSettingsObject('Datadog', {
  site: ZDatadogSite,
  apiKey: ZDatadogApiKey,
});
export type TDatadogSettings = z.infer<typeof ZDatadogSettings>;

export const datadog = defineProvider({
  id: 'datadog',
  kind: 'siem',
  label: 'Datadog',
  description: 'Lets the key proxies send audit events to Datadog Logs in your organisation.',
  schema: ZDatadogSettings,
  fields: [
    defineField({
      name: 'site',
      label: 'Datadog site',
      help: 'The site your organisation is hosted on: the domain of your Datadog URL, like app.datadoghq.eu → datadoghq.eu.',
      example: 'datadoghq.com',
      input: 'select',
      options: DATADOG_SITES,
    }),
    defineField({
      name: 'apiKey',
      label: 'API key',
      help: 'An API key from Organization Settings → API Keys (not an application key). Create one just for the key proxies so you can revoke it alone.',
      example: API_KEY_EXAMPLE,
      secret: true,
    }),
    siemQueueFullField,
  ],
  example: {
    site: 'datadoghq.eu',
    apiKey: '4f1c2e3d5a6b7c8d9e0f1a2b3c4d5e6f',
    onQueueFull: 'drop',
  },
});
