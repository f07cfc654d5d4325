// Rendered to HTML on the server, as the first paint of a page is: an empty
// secret says "Not set" and offers no Copy (nor Show) button; a value gets both.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CopyButton as SharedCopyButton } from '@/components/ui/copy-button';
import { CopyButton, SecretText } from './secret-controls';

const html = (element: Parameters<typeof renderToStaticMarkup>[0]) => renderToStaticMarkup(element);

describe('copy buttons and empty values', () => {
  it('an empty secret reads "Not set", with no Copy or Show button', () => {
    const out = html(createElement(SecretText, { value: '', name: 'API key of Production KMS', multiline: false }));
    expect(out).toContain('Not set');
    expect(out).not.toContain('<button');
  });

  it('a secret with a value is masked, with Show and Copy named after it', () => {
    const out = html(createElement(SecretText, { value: 's3cret', name: 'API key of Production KMS', multiline: false }));
    expect(out).toContain('aria-label="Copy API key of Production KMS"');
    expect(out).toContain('aria-label="Show API key of Production KMS"');
    expect(out).not.toContain('s3cret');
  });

  it('no Copy button is drawn for an empty value, here or in the shared one', () => {
    expect(html(createElement(CopyButton, { value: '', name: 'HMAC secret' }))).toBe('');
    expect(html(createElement(SharedCopyButton, { value: '', copied: 'Copied.' }, 'Copy'))).toBe('');
    expect(html(createElement(SharedCopyButton, { value: 'curl …', copied: 'Copied.' }, 'Copy'))).toContain('<button');
  });
});
