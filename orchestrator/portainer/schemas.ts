// What we accept from Portainer and from the Docker engine behind its proxy: every answer is
// checked against these before use, so a changed field (Portainer renames fields between
// versions, ../../docs/portainer-api.md §11.6) fails loudly with its path instead
// of turning into `undefined` somewhere later. Only the fields the driver reads are declared;
// unknown fields are ignored, as Portainer itself ignores unknown request fields.
import { z } from "zod";

/** Portainer's error body for every handler error; Docker's proxied errors have no `details`. */
export const errorBody = z.object({ message: z.string(), details: z.string().optional() });

export const authAnswer = z.object({ jwt: z.string().min(1) });

export const systemStatus = z.object({ Version: z.string().min(1) });

export const endpoint = z.object({
  Id: z.number().int(),
  Name: z.string(),
  /** 1 Docker, 2 agent on Docker, 4 edge agent on Docker; 3 and 5-7 are Azure and Kubernetes. */
  Type: z.number().int(),
});
export type Endpoint = z.infer<typeof endpoint>;
export const endpoints = z.array(endpoint);

export const STACK_STATUS = { active: 1, inactive: 2, deploying: 3, error: 4 } as const;

export const stack = z.object({
  Id: z.number().int(),
  Name: z.string(),
  /** 1 Swarm, 2 Compose (standalone), 3 Kubernetes. */
  Type: z.number().int(),
  EndpointId: z.number().int(),
  /** 1 active, 2 inactive; newest versions add 3 deploying and 4 error. */
  Status: z.number().int(),
  /** Newest versions only: reset to [{Status:3}] at each deployment, then a 1 or a 4 with its Message. */
  DeploymentStatus: z
    .array(z.object({ Status: z.number().int(), Time: z.number().optional(), Message: z.string().optional() }))
    .nullish(),
});
export type Stack = z.infer<typeof stack>;
export const stacks = z.array(stack);

export const stackFile = z.object({ StackFileContent: z.string() });

// The Docker Engine API, through /api/endpoints/{id}/docker/…

export const containerSummary = z.object({
  Id: z.string(),
  Names: z.array(z.string()),
  State: z.string(),
  Labels: z.record(z.string(), z.string()).nullish(),
  Ports: z.array(z.object({ PublicPort: z.number().optional() })).nullish(),
});
export type ContainerSummary = z.infer<typeof containerSummary>;
export const containerList = z.array(containerSummary);

const portBindings = z.record(z.string(), z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() })).nullish());

export const containerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    Health: z.object({ Status: z.string() }).nullish(),
  }),
  NetworkSettings: z.object({ Ports: portBindings.nullish() }),
  HostConfig: z.object({ PortBindings: portBindings.nullish() }),
});
export type ContainerInspect = z.infer<typeof containerInspect>;

export const volumeList = z.object({ Volumes: z.array(z.object({ Name: z.string() })).nullish() });

export const networkList = z.array(z.object({ Id: z.string(), Name: z.string() }));

export const execCreated = z.object({ Id: z.string().min(1) });

export const execInspect = z.object({ Running: z.boolean(), ExitCode: z.number().int().nullable() });

const cpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().optional() }).optional(),
  system_cpu_usage: z.number().optional(),
  online_cpus: z.number().optional(),
});

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
