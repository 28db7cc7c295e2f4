// The manifest's readiness checks with their variables substituted, ready for the job engine to
// poll in order after a deploy. Commands are argument lists for driver.exec (no shell), so a
// substituted value is always one argument.
import { TemplateError } from "../errors.ts";
import type { StackSpec } from "../stack-spec.ts";
import type { Manifest } from "./manifest.ts";
import { substitutePlaceholders } from "./placeholders.ts";

interface PollTiming {
  id: string;
  description: string;
  /** Poll every intervalMs; give up (and fail the step) after timeoutMs. */
  intervalMs: number;
  timeoutMs: number;
}

/** Ready when `command`, run in the service's container as `user`, gives `expect`. */
export interface ExecReadinessCheck extends PollTiming {
  type: "exec";
  service: string;
  user?: string;
  command: string[];
  /** stdoutTrimmed: the standard output with leading and trailing whitespace removed. */
  expect: { exitCode: number; stdoutTrimmed?: string };
}

/** Ready when `GET url` answers `expect.status`; url targets the port the service publishes. */
export interface HttpReadinessCheck extends PollTiming {
  type: "http";
  service: string;
  method: "GET";
  /** Where to connect: the published address (0.0.0.0 and :: become the loopback address). */
  hostIp: string;
  hostPort: number;
  path: string;
  url: string;
  expect: { status: number };
}

export type ReadinessCheck = ExecReadinessCheck | HttpReadinessCheck;

export function renderReadinessChecks(
  manifest: Manifest,
  values: ReadonlyMap<string, string>,
  stack: StackSpec,
): ReadinessCheck[] {
  return manifest.readiness.map((check, index): ReadinessCheck => {
    const timing = {
      id: check.id,
      description: check.description,
      intervalMs: Math.round(check.intervalSeconds * 1000),
      timeoutMs: Math.round(check.timeoutSeconds * 1000),
    };
    if (check.type === "exec") {
      return {
        ...timing,
        type: "exec",
        service: check.service,
        ...(check.user === undefined ? {} : { user: check.user }),
        command: check.command.map((part, position) =>
          substitutePlaceholders(part, values, `manifest.json readiness[${index}].command[${position}]`),
        ),
        expect: check.expect,
      };
    }
    const published = stack.services
      .find((service) => service.name === check.service)
      ?.ports.find((port) => port.containerPort === check.containerPort && port.protocol === "tcp");
    if (published === undefined) {
      throw new TemplateError(
        `manifest.json readiness "${check.id}" targets port ${check.containerPort} of service ${check.service}, ` +
          `which the compose file does not publish: publish it under ports: or fix containerPort.`,
      );
    }
    const hostIp = published.hostIp === "0.0.0.0" ? "127.0.0.1" : published.hostIp === "::" ? "::1" : published.hostIp;
    const host = hostIp.includes(":") ? `[${hostIp}]` : hostIp;
    return {
      ...timing,
      type: "http",
      service: check.service,
      method: check.method,
      hostIp,
      hostPort: published.hostPort,
      path: check.path,
      url: `http://${host}:${published.hostPort}${check.path}`,
      expect: check.expect,
    };
  });
}
