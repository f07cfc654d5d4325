// What every provider module exports: its id, kind, the zod schema of its
// settings, and how each field is presented (label, help, example, secret).
// The same module validates the browser form, the server's checks of clear
// metadata, and the proxy client's decrypted configuration.
import type { z } from 'zod';

export type TConfigKind = 'kms' | 'siem';

export type TFieldInput = 'text' | 'textarea' | 'select' | 'number' | 'json' | 'pem' | 'headers';

export type TFieldSpec = {
  /** Key in `settings`; dotted paths are not used — one level only. */
  name: string;
  label: string;
  help: string;
  example: string;
  input: TFieldInput;
  /** Credentials: masked on screen, with reveal and copy. */
  secret: boolean;
  required: boolean;
  /** For `select` inputs. */
  options?: readonly { value: string; label: string }[];
};

export type TProvider<S extends z.ZodType = z.ZodType> = {
  id: string;
  kind: TConfigKind;
  label: string;
  /** One sentence on what this configuration lets the key proxies do. */
  description: string;
  schema: S;
  fields: readonly TFieldSpec[];
  /** A complete, valid settings object with fake values (demo data, docs, tests). */
  example: z.input<S>;
};
