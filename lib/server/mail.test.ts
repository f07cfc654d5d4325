// SMTP_URL → nodemailer options: TLS is required and verified unless the URL
// explicitly says ?tls=insecure, and credentials are URL-decoded.
import { describe, expect, it } from 'vitest';
import { mailTransportOptionsFromUrl } from './mail';

describe('mailTransportOptionsFromUrl', () => {
  it('smtp:// requires STARTTLS with a verified certificate and decodes the credentials', () => {
    expect(mailTransportOptionsFromUrl('smtp://mailer%40example.com:p%40ss%20w%3Ard@mail.example.com:587')).toEqual({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'mailer@example.com', pass: 'p@ss w:rd' },
      tls: { rejectUnauthorized: true },
    });
  });

  it('smtps:// is TLS from the start and defaults to port 465', () => {
    expect(mailTransportOptionsFromUrl('smtps://u:p@mail.example.com')).toEqual({
      host: 'mail.example.com',
      port: 465,
      secure: true,
      requireTLS: false,
      auth: { user: 'u', pass: 'p' },
      tls: { rejectUnauthorized: true },
    });
  });

  it('smtp:// without a port defaults to 587; without credentials there is no auth', () => {
    const options = mailTransportOptionsFromUrl('smtp://relay.internal');
    expect(options).toMatchObject({ host: 'relay.internal', port: 587, secure: false, requireTLS: true });
    expect(options).not.toHaveProperty('auth');
  });

  it('?tls=insecure (tests only) allows cleartext and any certificate', () => {
    expect(mailTransportOptionsFromUrl('smtp://user:pass@127.0.0.1:2525?tls=insecure')).toEqual({
      host: '127.0.0.1',
      port: 2525,
      secure: false,
      requireTLS: false,
      auth: { user: 'user', pass: 'pass' },
      tls: { rejectUnauthorized: false },
    });
  });

  it('accepts an IPv6 host', () => {
    expect(mailTransportOptionsFromUrl('smtp://[::1]:25?tls=insecure')).toMatchObject({ host: '::1', port: 25 });
  });

  it('refuses unknown options, other schemes and bad encodings without echoing the URL', () => {
    const bad = [
      'smtp://user:canary-secret@host:587?tls=insecur',
      'smtp://user:canary-secret@host:587?tls=insecure&debug=1',
      'http://user:canary-secret@host:587',
      'smtp://user:canary-secret%zz@host:587',
      'not a url canary-secret',
    ];
    for (const url of bad) {
      let message = '';
      try {
        mailTransportOptionsFromUrl(url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, url).toMatch(/^SMTP_URL /);
      expect(message).not.toContain('canary-secret');
    }
  });
});
