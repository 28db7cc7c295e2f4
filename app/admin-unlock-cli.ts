// `npm run admin:unlock -- EMAIL`: lifts the sign-in throttle on an admin's email: its counters at
// every address, and those addresses' counters (app/admin/login-throttle.server.ts). Audited.
import { openDatabaseFor } from "./boot.server";
import { ConfigError, loadConfig } from "./config.server";
import { createLogger } from "./logger.server";
import { unlockAdmin } from "./models/admin-auth.server";

async function main() {
  const [email] = process.argv.slice(2);
  if (!email) {
    console.error("usage: npm run admin:unlock -- EMAIL");
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(process.env);
  const database = await openDatabaseFor(config, createLogger("warn"));
  try {
    const addresses = await unlockAdmin(database.prisma, email, "command line");
    console.log(
      addresses.length > 0
        ? `Sign-in for ${email.trim().toLowerCase()} unlocked (from ${addresses.join(", ")}).`
        : `Nothing to unlock: no recent failed sign-in for ${email.trim().toLowerCase()}.`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
