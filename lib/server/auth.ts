import 'server-only';
// next-auth (Auth.js v5) owns the session cookie (an encrypted JWT, httpOnly,
// SameSite=Lax, Secure on https) and CSRF on its endpoints. The cookie only
// names a server-side session row (lib/server/dal/users.ts): idle timeout,
// absolute lifetime, revocation and "sign out everywhere" are decided there on
// every request (lib/server/authz.ts). The browser sends the authKey derived
// from the passphrase, never the passphrase.
import { headers } from 'next/headers';
import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { getEnv } from '@/lib/env';
import { auditContext, type AuditContext } from '@/lib/server/audit/record';
import { createAuthLogger } from '@/lib/server/auth-logger';
import { getLogger } from '@/lib/server/log';
import { clientIp, userAgent } from '@/lib/server/request-meta';
import { endSession, SignInRefused, verifySignIn } from '@/lib/server/sign-in';

/** The code reaches the browser as `result.code`; it names no account detail. */
class SignInCode extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

const ZCredentials = z.object({
  email: z.string().trim().min(3).max(320),
  authKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  otp: z.string().trim().max(64).optional(),
});

/** The sign-out request's context for its audit event (next-auth does not hand the request to events). */
async function signOutContext(): Promise<AuditContext | undefined> {
  try {
    return auditContext({ headers: await headers() });
  } catch {
    return undefined;
  }
}

export const { handlers, auth, signOut } = NextAuth(() => {
  const env = getEnv();
  return {
    secret: process.env.AUTH_SECRET,
    trustHost: true,
    useSecureCookies: env.isHttps,
    session: { strategy: 'jwt', maxAge: env.SESSION_MAX_HOURS * 3600 },
    pages: { signIn: '/sign-in', error: '/sign-in' },
    // A refused sign-in or a second-factor step is info saying what happened, never the credentials.
    logger: createAuthLogger(getLogger()),
    providers: [
      Credentials({
        credentials: { email: {}, authKey: {}, otp: {} },
        async authorize(raw, request) {
          const parsed = ZCredentials.safeParse({ ...raw, otp: raw.otp || undefined });
          if (!parsed.success) throw new SignInCode('invalid_credentials');
          try {
            const result = await verifySignIn({
              ...parsed.data,
              ip: clientIp(request.headers),
              userAgent: userAgent(request.headers),
            }, auditContext(request));
            return { id: result.userId, sessionId: result.sessionId, sessionVersion: result.sessionVersion };
          } catch (error) {
            if (error instanceof SignInRefused) {
              throw new SignInCode(error.reason === 'locked' ? `locked_${error.retryAfter ?? 60}` : error.reason);
            }
            throw error;
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          const u = user as { id: string; sessionId: string; sessionVersion: number };
          token.sub = u.id;
          token.sid = u.sessionId;
          token.sv = u.sessionVersion;
          delete token.email;
          delete token.name;
          delete token.picture;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, sid: typeof token.sid === 'string' ? token.sid : undefined, sv: typeof token.sv === 'number' ? token.sv : undefined };
      },
    },
    events: {
      async signOut(message) {
        const sid = 'token' in message ? message.token?.sid : undefined;
        if (typeof sid === 'string') await endSession(sid, await signOutContext());
      },
    },
  };
});
