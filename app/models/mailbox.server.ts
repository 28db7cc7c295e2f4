// The orchestrator's mail functions the console uses, in a server-only module so that the browser
// bundle never pulls the orchestrator in.
export { readDevMailbox, retryFailedEmail } from "../../orchestrator/index.ts";
