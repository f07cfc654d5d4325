import 'server-only';
// The same authorization as the API, for pages: anonymous visitors go to the
// sign-in page (and come back after), everyone else who may not see a page
// gets the 404 page — "not yours" looks exactly like "does not exist".
import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { getCurrentUser, requireOperator, requireTenantAdmin, type CurrentUser, type TenantAccess } from '@/lib/server/authz';
import { isAppError } from '@/lib/server/errors';

/** The path the visitor asked for, as the broker's server recorded it. */
async function requestedPath(): Promise<string> {
  const path = (await headers()).get('x-cmk-path') ?? '/';
  return path.startsWith('/') && !path.startsWith('//') ? path : '/';
}

export async function pageUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(await requestedPath())}`);
  return user;
}

const MFA_SETUP = '/account?mfa=required#mfa';

export async function pageOperator(): Promise<CurrentUser> {
  const user = await pageUser();
  if (!user.isOperator) notFound();
  try {
    return await requireOperator();
  } catch (error) {
    if (isAppError(error) && error.code === 'mfa_required') redirect(MFA_SETUP);
    throw error;
  }
}

export async function pageTenantMember(externalId: string): Promise<TenantAccess> {
  await pageUser();
  try {
    return await requireTenantAdmin(externalId, { allowPending: true });
  } catch (error) {
    if (isAppError(error) && (error.code === 'not_found' || error.code === 'unauthenticated')) notFound();
    if (isAppError(error) && error.code === 'mfa_required') redirect(MFA_SETUP);
    throw error;
  }
}

/**
 * For public pages that show operators more (the home page's readiness
 * details): whether the visitor is an operator the operator API would serve —
 * signed in, and with the second factor when operators must have one.
 */
export async function isOperatorVisitor(): Promise<boolean> {
  const user = await getCurrentUser();
  if (!user?.isOperator) return false;
  try {
    await requireOperator();
    return true;
  } catch (error) {
    if (isAppError(error)) return false;
    throw error;
  }
}
