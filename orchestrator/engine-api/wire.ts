// The Docker Engine API's JSON answers, as far as Tenantry reads them: one declaration for both
// ways of reaching the engine (dockerode on a socket, Portainer's Docker proxy over HTTP, which
// passes the engine's answers on unchanged). Portainer's are checked against these schemas before
// use, so a changed field fails loudly with its path; dockerode's typed answers must fit the same
// types (the type checker compares them). Only the fields we read are declared; others are ignored.
import { z } from "zod";

const labels = z.record(z.string(), z.string());

/** An item of `GET /containers/json`. */
export const containerSummary = z.object({
  Id: z.string(),
  Names: z.array(z.string()),
  State: z.string(),
  Labels: labels.nullish(),
  Ports: z.array(z.object({ PublicPort: z.number().optional() })).nullish(),
});
export type ContainerSummary = z.infer<typeof containerSummary>;
export const containerList = z.array(containerSummary);

/** "8080/tcp" → the host addresses it is bound to. */
const portMap = z.record(z.string(), z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() })).nullish());

/** `GET /containers/{id}/json`. */
export const containerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  RestartCount: z.number().int(),
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    ExitCode: z.number().int(),
    Health: z.object({ Status: z.string() }).nullish(),
  }),
  Config: z.object({ Env: z.array(z.string()).nullish() }),
  /** What the container publishes now (empty while it is stopped). */
  NetworkSettings: z.object({ Ports: portMap.nullish() }),
  /** What it publishes whenever it runs. */
  HostConfig: z.object({ PortBindings: portMap.nullish() }),
});
export type ContainerInspect = z.infer<typeof containerInspect>;

export const networkList = z.array(z.object({ Id: z.string(), Name: z.string(), Labels: labels.nullish() }));

export const volumeList = z.object({ Volumes: z.array(z.object({ Name: z.string(), Labels: labels.nullish() })).nullish() });

/** `GET /system/df`, its volumes only: Size is -1 until the engine has measured the volume. */
export const diskUsage = z.object({
  Volumes: z
    .array(z.object({ Name: z.string(), UsageData: z.object({ Size: z.number() }).nullish() }))
    .nullish(),
});
export type DiskUsage = z.infer<typeof diskUsage>;

export const execCreated = z.object({ Id: z.string().min(1) });

/** `GET /exec/{id}/json`: the exit code is null until the engine has recorded it. */
export const execInspect = z.object({ Running: z.boolean(), ExitCode: z.number().int().nullable() });
export type ExecInspect = z.infer<typeof execInspect>;

const cpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().optional() }).optional(),
  system_cpu_usage: z.number().optional(),
  online_cpus: z.number().optional(),
});

/** `GET /containers/{id}/stats?stream=false`: one sample (the engine keeps the previous one for the CPU delta). */
export const containerStats = z.object({
  memory_stats: z
    .object({
      usage: z.number().optional(),
      limit: z.number().optional(),
      stats: z.object({ cache: z.number().optional(), inactive_file: z.number().optional() }).optional(),
    })
    .optional(),
  cpu_stats: cpuStats.optional(),
  precpu_stats: cpuStats.optional(),
});
export type StatsSample = z.infer<typeof containerStats>;
