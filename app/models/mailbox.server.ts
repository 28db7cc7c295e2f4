// The orchestrator's mail functions the console uses, in a server-only module so that the browser
// bundle never pulls the orchestrator in.
export { DEV_MAILBOX_RETENTION_MS, retryFailedEmail } from "../../orchestrator/index.ts";
