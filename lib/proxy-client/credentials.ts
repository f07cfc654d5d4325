// Reading the deployment's credentials file (PROTOCOL.md "Keys" 2). Messages
// name the file and the failing fields only: the file holds the API key and
// the private key, which must never reach a terminal or a log.
import { readFile } from 'node:fs/promises';

import { ZProxyCredentials, type TProxyCredentials } from '@/lib/schemas/deployments';

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export async function loadCredentials(file: string): Promise<TProxyCredentials> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CredentialsError(
      code === 'ENOENT'
        ? `Credentials file not found: ${file}. Download it when creating the deployment (it is shown once).`
        : `Cannot read the credentials file ${file} (${code ?? 'error'}).`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message can quote part of the file, so it is not repeated.
    throw new CredentialsError(`The credentials file ${file} is not valid JSON.`);
  }
  const parsed = ZProxyCredentials.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new CredentialsError(`The credentials file ${file} is invalid at: ${fields.join(', ')}.`);
  }
  return parsed.data;
}
