import 'server-only';
// The same authorization as the API, for pages: anonymous visitors go to the
// sign-in page (and come back after), everyone else who may not see a page
// gets the 404 page — "not yours" looks exactly like "does not exist".
import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
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

/** Cached per request, so the tenant layout's metadata and the page look the membership up once between them. */
const tenantMemberAccess = cache((externalId: string) => requireTenantAdmin(externalId, { allowPending: true }));

export async function pageTenantMember(externalId: string): Promise<TenantAccess> {
  await pageUser();
  try {
    return await tenantMemberAccess(externalId);
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

// Next resolves a page's metadata apart from rendering it, so a page that ends in
// notFound() kept its own title ("Configurations"). Pages whose check can end in
// a 404 make their title with these instead of a static `metadata`: they run the
// same check first, and a notFound() thrown while resolving metadata makes Next
// use the 404 page's title. (Not in a layout: Next runs layouts' metadata again
// for the 404 page's title, and would fail there too.) Other outcomes — signing
// in, setting up a second factor — are left to the page's own redirects.

/** generateMetadata for a tenant page: its title, or notFound() when the page will be the 404 page. */
export function tenantPageMetadata<P extends { tenant: string }>(title: string, isValidPath: (params: P) => boolean = () => true) {
  return async ({ params }: { params: Promise<P> }): Promise<Metadata> => {
    const path = await params;
    try {
      await tenantMemberAccess(path.tenant);
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') notFound();
      return { title };
    }
    if (!isValidPath(path)) notFound();
    return { title };
  };
}

/** generateMetadata for an operator page: its title, or notFound() when the page will be the 404 page. */
export function operatorPageMetadata<P extends object = object>(title: string, isValidPath: (params: P) => boolean = () => true) {
  return async ({ params }: { params: Promise<P> }): Promise<Metadata> => {
    try {
      await requireOperator();
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') notFound();
      return { title };
    }
    if (!isValidPath(await params)) notFound();
    return { title };
  };
}
