// Next.js configuration. The per-request CSP (with its nonce), HSTS and the
// request id are set by the broker's server (lib/server/http-server.ts) on
// every response; the static headers below are repeated here so they also
// hold if the app is ever served by `next start` directly.
const staticSecurityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
  { key: 'X-Frame-Options', value: 'DENY' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  devIndicators: false,
  // `next build` type-checks the app only; tests and scripts are type-checked by `npm test` (tsc over everything).
  typescript: { tsconfigPath: 'tsconfig.build.json' },
  // Kept out of the bundles: native-ish or WASM packages loaded from node_modules as-is.
  serverExternalPackages: ['@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', 'pino', '@prisma/adapter-pg'],
  // App Router does not route dot-folders; the well-known documents live under /api/well-known/.
  async rewrites() {
    return [
      { source: '/.well-known/jwks.json', destination: '/api/well-known/jwks' },
      { source: '/.well-known/cmk-key-rotations.json', destination: '/api/well-known/key-rotations' },
    ];
  },
  async headers() {
    return [{ source: '/:path*', headers: staticSecurityHeaders }];
  },
};

export default nextConfig;
