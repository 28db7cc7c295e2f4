// The orchestrator is configured by values the portal passes in, so its errors name a setting in
// its own terms ("mail.smtp"), never the portal's environment variables. Here, where the portal
// reports those errors (its log, the message of a failed start), it says which variable to check.
import { settingOf, type OrchestratorSetting } from "../orchestrator/index.ts";
import type { LogFields, Logger } from "./logger.server";

/** Where each orchestrator setting comes from (see loadConfig in app/config.server.ts). */
export const SETTING_VARIABLES: Record<OrchestratorSetting, string> = {
  "engine.socket": "DOCKER_SOCKET",
  "portainer.url": "PORTAINER_URL",
  "portainer.credentials": "PORTAINER_API_KEY, or PORTAINER_USERNAME and PORTAINER_PASSWORD",
  "portainer.environment": "PORTAINER_ENDPOINT_ID or PORTAINER_ENDPOINT_NAME",
  template: "TENANT_TEMPLATE",
  "ports.range": "TENANT_PORT_RANGE",
  "mail.smtp": "SMTP_URL",
  "secrets.key": "SECRETS_KEY (or the key file under DATA_DIR)",
  "backups.key": "BACKUP_KEY_FILE (unset: the secrets key seals tenant backups)",
  "backups.dir": "BACKUP_DIR",
  "backups.s3": "BACKUP_S3_URL, BACKUP_S3_REGION, BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY",
};

function hintFor(setting: OrchestratorSetting | undefined): string | undefined {
  return setting && setting in SETTING_VARIABLES ? `check ${SETTING_VARIABLES[setting]}` : undefined;
}

/** A line to print after the error: "Check X." when it (or a cause) points at a setting; "" otherwise. */
export function settingHintLine(error: unknown): string {
  const hint = hintFor(settingOf(error));
  return hint ? `\n${hint[0]!.toUpperCase()}${hint.slice(1)}.` : "";
}

/**
 * The logger given to the orchestrator: a line whose `setting` field, or whose `error`, names a
 * setting gets a `hint` naming the variable to check.
 */
export function withSettingHints(logger: Logger): Logger {
  const add = (fields: LogFields | undefined): LogFields | undefined => {
    if (!fields) return fields;
    const hint = hintFor(fields.setting as OrchestratorSetting | undefined) ?? hintFor(settingOf(fields.error));
    return hint && fields.hint === undefined ? { ...fields, hint } : fields;
  };
  return {
    debug: (message, fields) => logger.debug(message, add(fields)),
    info: (message, fields) => logger.info(message, add(fields)),
    warn: (message, fields) => logger.warn(message, add(fields)),
    error: (message, fields) => logger.error(message, add(fields)),
  };
}
