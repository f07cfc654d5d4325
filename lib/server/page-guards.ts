import 'server-only';
// The same authorization as the API, for pages: anonymous visitors go to the
// sign-in page (and come back after), everyone else who may not see a page
// gets the 404 page — "not yours" looks exactly like "does not exist".
import { notFound, redirect } from 'next/navigation';
import { getCurrentUser, requireTenantAdmin, type CurrentUser, type TenantAccess } from '@/lib/server/authz';
import { isAppError } from '@/lib/server/errors';

export async function pageUser(path: string): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return user;
}

export async function pageOperator(path: string): Promise<CurrentUser> {
  const user = await pageUser(path);
  if (!user.isOperator) notFound();
  return user;
}

export async function pageTenantMember(externalId: string, path: string): Promise<TenantAccess> {
  await pageUser(path);
  try {
    return await requireTenantAdmin(externalId, { allowPending: true });
  } catch (error) {
    if (isAppError(error) && (error.code === 'not_found' || error.code === 'unauthenticated')) notFound();
    throw error;
  }
}
