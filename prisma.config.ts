// Used only by `prisma generate`. The database URL is never read here: the
// broker connects through driver adapters (lib/server/db/) and applies its own
// SQL migrations, because Prisma's native schema engine is not available.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});
