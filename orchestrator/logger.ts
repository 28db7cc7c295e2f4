// The logger the orchestrator is given (the portal passes its own). Callers never pass secrets.
export interface OrchestratorLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: OrchestratorLogger = { debug() {}, info() {}, warn() {}, error() {} };
