// npm run dev — the broker with hot reload, on the same server code as `npm start`.
export {};
(process.env as Record<string, string | undefined>).NODE_ENV ??= 'development';
const { runServer } = await import('./serve');
await runServer({ dev: true });
