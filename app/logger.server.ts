// One JSON line per event on stdout (errors on stderr), so logs can be grepped and shipped.
// Fields whose names say "secret" are masked here, as a last line of defence: callers must not
// pass secrets in the first place.
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /pass(word)?|secret|token|key|authorization|cookie/i;

export function createLogger(
  minimum: LogLevel,
  write: (level: LogLevel, line: string) => void = writeToConsole,
): Logger {
  const log = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (order[level] < order[minimum]) return;
    const entry = { time: new Date().toISOString(), level, message, ...sanitize(fields) };
    write(level, JSON.stringify(entry));
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function writeToConsole(level: LogLevel, line: string) {
  if (level === "error" || level === "warn") process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
}

function sanitize(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) out[key] = "[redacted]";
    else if (value instanceof Error) out[key] = describeError(value);
    else out[key] = value;
  }
  return out;
}

/** An error with its chain of causes, as plain data. */
export function describeError(error: Error): LogFields {
  const described: LogFields = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) described.code = code;
  if (error.cause instanceof Error) described.cause = describeError(error.cause);
  return described;
}
