// Sumo Logic settings: the URL of a hosted collector's HTTP Logs source.
// That URL embeds the source's token, so it is the one credential here.
import type { z } from 'zod';
import { defineField, defineProvider, httpsUrlProblem, MAX_URL_LENGTH, siemQueueFullField, ZRequiredText, ZSiemSettingsObject } from './common';

const URL_EXAMPLE = 'https://endpoint4.collection.us2.sumologic.com/receiver/v1/http/ZaVnC4dhaV2…';
// A fake token, shaped like a real one, for the form and the demo data.
const FULL_EXAMPLE = 'https://endpoint4.collection.us2.sumologic.com/receiver/v1/http/ZmFrZS10b2tlbi1mb3ItdGhlLWNtay1icm9rZXItZGVtbw==';

/**
 * Collection endpoints: `endpoint<N>.collection[.<deployment>].sumologic.com`
 * (US1 has no deployment label) or `.sumologic.net`. Pinning the host to Sumo
 * Logic means a configuration can only send events to Sumo Logic.
 */
const COLLECTOR_HOST = /^endpoint\d{1,3}\.collection\.(?:[a-z0-9]{2,10}\.)?sumologic\.(?:com|net)$/;
/** The source token: URL-safe base64, optionally padded; real ones are about 100 characters. */
const SOURCE_PATH = /^\/receiver\/v1\/http\/[A-Za-z0-9_-]{20,}={0,2}$/;

function sourceUrlProblem(value: string): string | undefined {
  const urlProblem = httpsUrlProblem(value, 'source URL', URL_EXAMPLE, { query: false });
  if (urlProblem !== undefined) return urlProblem;
  const url = new URL(value);
  if (!COLLECTOR_HOST.test(url.hostname) || (url.port !== '' && url.port !== '443')) {
    return `Use a Sumo Logic collection endpoint, endpoint<N>.collection.<deployment>.sumologic.com, like ${URL_EXAMPLE}.`;
  }
  if (!SOURCE_PATH.test(url.pathname)) return `Paste the whole URL, ending in /receiver/v1/http/ and the source token, like ${URL_EXAMPLE}.`;
  return undefined;
}

export const ZSumoLogicSourceUrl = ZRequiredText(`Enter the HTTP source URL Sumo Logic shows, like ${URL_EXAMPLE}.`, sourceUrlProblem, MAX_URL_LENGTH);

export const ZSumoLogicSettings = ZSiemSettingsObject('Sumo Logic', {
  url: ZSumoLogicSourceUrl,
});
export type TSumoLogicSettings = z.infer<typeof ZSumoLogicSettings>;

export const sumoLogic = defineProvider({
  id: 'sumo-logic',
  kind: 'siem',
  label: 'Sumo Logic',
  description: 'Lets the key proxies send audit events to an HTTP Logs source of your Sumo Logic hosted collector.',
  schema: ZSumoLogicSettings,
  fields: [
    defineField({
      name: 'url',
      label: 'HTTP source URL',
      help: 'Under Manage Data → Collection, open the HTTP Logs & Metrics source and copy its URL. The URL contains the source’s token, so it is kept secret.',
      example: FULL_EXAMPLE,
      secret: true,
    }),
    siemQueueFullField,
  ],
  example: {
    url: FULL_EXAMPLE,
    onQueueFull: 'drop',
  },
});
