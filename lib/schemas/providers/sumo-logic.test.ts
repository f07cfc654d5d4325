// The Sumo Logic schema: only an https HTTP-source URL on a Sumo Logic
// collection endpoint passes, and the URL (which holds the token) is secret.
import { describe, expect, it } from 'vitest';
import { sumoLogic, ZSumoLogicSettings } from './sumo-logic';

const valid = sumoLogic.example;
const TOKEN = 'ZmFrZS10b2tlbi1mb3ItdGhlLWNtay1icm9rZXItZGVtbw==';
const problems = (value: unknown) =>
  ZSumoLogicSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];
const EXAMPLE = 'https://endpoint4.collection.us2.sumologic.com/receiver/v1/http/ZaVnC4dhaV2…';

describe('sumo-logic provider', () => {
  it('accepts its example', () => {
    expect(ZSumoLogicSettings.parse(valid)).toEqual(valid);
  });

  it.each([
    ['US1 (no deployment label)', `https://endpoint1.collection.sumologic.com/receiver/v1/http/${TOKEN}`],
    ['an EU deployment', `https://endpoint9.collection.eu.sumologic.com/receiver/v1/http/${TOKEN}`],
    ['a sumologic.net endpoint', `https://endpoint2.collection.sumologic.net/receiver/v1/http/${TOKEN}`],
    ['an unpadded token with - and _', 'https://endpoint4.collection.us2.sumologic.com/receiver/v1/http/ZaVnC4dhaV1N0xlj-5SL_W5shE6k7Oc5v6gymc'],
  ])('accepts %s', (_kind, url) => {
    expect(problems({ url })).toEqual([]);
  });

  it.each([
    ['an empty value', '', `Enter the HTTP source URL Sumo Logic shows, like ${EXAMPLE}.`],
    [
      'text that is not a URL',
      'endpoint4.collection.us2.sumologic.com',
      `Enter the source URL as a full address starting with https://, like ${EXAMPLE}.`,
    ],
    ['plain http', valid.url.replace('https:', 'http:'), `The source URL must start with https://, like ${EXAMPLE}.`],
    [
      'another host',
      `https://collector.example.com/receiver/v1/http/${TOKEN}`,
      `Use a Sumo Logic collection endpoint, endpoint<N>.collection.<deployment>.sumologic.com, like ${EXAMPLE}.`,
    ],
    [
      'a look-alike host',
      `https://endpoint4.collection.us2.sumologic.com.evil.example/receiver/v1/http/${TOKEN}`,
      `Use a Sumo Logic collection endpoint, endpoint<N>.collection.<deployment>.sumologic.com, like ${EXAMPLE}.`,
    ],
    [
      'another port',
      valid.url.replace('.com/', '.com:8443/'),
      `Use a Sumo Logic collection endpoint, endpoint<N>.collection.<deployment>.sumologic.com, like ${EXAMPLE}.`,
    ],
    [
      'a URL without the token',
      'https://endpoint4.collection.us2.sumologic.com/receiver/v1/http/',
      `Paste the whole URL, ending in /receiver/v1/http/ and the source token, like ${EXAMPLE}.`,
    ],
    ['a query string', `${valid.url}?category=x`, 'Remove the ?… part from the source URL.'],
    ['a number', 443, `Enter the HTTP source URL Sumo Logic shows, like ${EXAMPLE}.`],
  ])('refuses %s', (_kind, url, message) => {
    expect(problems({ url })).toEqual([{ path: ['url'], message }]);
  });

  it('refuses an unknown setting, a missing URL and a non-object', () => {
    expect(problems({ ...valid, category: 'audit' })).toEqual([{ path: [], message: 'Remove "category": Sumo Logic has no such setting.' }]);
    expect(problems({})).toEqual([{ path: ['url'], message: `Enter the HTTP source URL Sumo Logic shows, like ${EXAMPLE}.` }]);
    expect(problems([valid.url])).toEqual([{ path: [], message: 'The Sumo Logic settings must be an object of fields.' }]);
  });

  it('describes exactly the schema’s fields, with the URL secret', () => {
    expect(sumoLogic.fields.map((f) => f.name)).toEqual(Object.keys(ZSumoLogicSettings.shape));
    expect(sumoLogic.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['url']);
    expect(sumoLogic).toMatchObject({ id: 'sumo-logic', kind: 'siem' });
    expect(problems(Object.fromEntries(sumoLogic.fields.map((f) => [f.name, f.example])))).toEqual([]);
  });
});
