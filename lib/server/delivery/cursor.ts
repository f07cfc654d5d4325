import 'server-only';
// Delivery cursors. Opaque to proxies, but simple inside:
//   v1.d.<seq>            deltas: everything in the environment after change <seq>
//   v1.f.<seq>.<after>    a full sync in progress: the snapshot <seq> it will
//                         continue from, and the last tenant id sent (base64url)
// Anything else — or a seq ahead of the environment — is a `bad_cursor` 400,
// and the proxy starts over with a full sync.
import { MAX_CURSOR_LENGTH } from '@/lib/crypto/bundle';
import { AppError } from '@/lib/server/errors';

export type Cursor = { kind: 'delta'; seq: number } | { kind: 'full'; seq: number; after: string };

export { MAX_CURSOR_LENGTH } from '@/lib/crypto/bundle';

const badCursor = (message = 'The cursor is not one this broker issued. Start again with a full sync (no cursor).') => new AppError('bad_cursor', { message });

export function encodeCursor(cursor: Cursor): string {
  return cursor.kind === 'delta' ? `v1.d.${cursor.seq}` : `v1.f.${cursor.seq}.${Buffer.from(cursor.after, 'utf8').toString('base64url')}`;
}

function readSeq(text: string | undefined): number {
  if (!text || !/^(0|[1-9]\d{0,9})$/.test(text)) throw badCursor();
  const seq = Number(text);
  if (!Number.isSafeInteger(seq) || seq > 2_147_483_647) throw badCursor();
  return seq;
}

export function decodeCursor(text: string, currentSeq: number): Cursor {
  if (text.length > MAX_CURSOR_LENGTH) throw badCursor();
  const parts = text.split('.');
  let cursor: Cursor;
  if (parts.length === 3 && parts[0] === 'v1' && parts[1] === 'd') {
    cursor = { kind: 'delta', seq: readSeq(parts[2]) };
  } else if (parts.length === 4 && parts[0] === 'v1' && parts[1] === 'f') {
    const encoded = parts[3] ?? '';
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw badCursor();
    const after = Buffer.from(encoded, 'base64url').toString('utf8');
    if (Buffer.from(after, 'utf8').toString('base64url') !== encoded) throw badCursor();
    cursor = { kind: 'full', seq: readSeq(parts[2]), after };
  } else {
    throw badCursor();
  }
  // A cursor from the future: the database was restored from a backup, or it belongs to another broker.
  if (cursor.seq > currentSeq) throw badCursor('The cursor is ahead of this broker (was its database restored?). Start again with a full sync.');
  return cursor;
}
