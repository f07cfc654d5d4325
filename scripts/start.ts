// npm start — builds when the sources changed since the last build, then
// serves the broker (migrating the database first) on PORT (default 3000).
import { isBuildCurrent } from './build-info';
import { build } from './build';

// Set before Next and React are loaded: they choose their builds on import.
(process.env as Record<string, string | undefined>).NODE_ENV ??= 'production';

if (!isBuildCurrent()) {
  console.log('Building the broker (only when sources changed; this takes a minute or two)…');
  try {
    build();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
const { runServer } = await import('./serve');
await runServer({ dev: false });
