// `npm run admin:create -- EMAIL ROLE`: creates an admin account (role owner, operator or viewer);
// the password is read from the ADMIN_PASSWORD variable or asked on the terminal (not echoed),
// never an argument.
import { readHiddenLine } from "./admin/read-hidden";
import { openDatabaseFor } from "./boot.server";
import { ConfigError, loadConfig } from "./config.server";
import { createLogger } from "./logger.server";
import { AdminInputError, audit, createAdmin } from "./models/admin-auth.server";

async function main() {
  const [email, role = "owner"] = process.argv.slice(2);
  if (!email || !["owner", "operator", "viewer"].includes(role)) {
    console.error("usage: npm run admin:create -- EMAIL [owner|operator|viewer]   (password from ADMIN_PASSWORD or the terminal)");
    process.exitCode = 2;
    return;
  }
  let password = process.env.ADMIN_PASSWORD ?? "";
  if (!password) {
    password = await readHiddenLine("Password (12 characters or more, not shown): ");
  }
  const config = loadConfig(process.env);
  const database = await openDatabaseFor(config, createLogger("warn"));
  try {
    const admin = await createAdmin(database.prisma, email, password, role as "owner" | "operator" | "viewer");
    await audit(database.prisma, admin.email, "admin.created", "succeeded", { role, via: "command line" });
    console.log(`Admin ${admin.email} (${admin.role}) created. Sign in at /admin/login.`);
  } catch (error) {
    if (!(error instanceof AdminInputError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
