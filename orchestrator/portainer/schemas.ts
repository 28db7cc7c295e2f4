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

// The Docker Engine API's answers through /api/endpoints/{id}/docker/… are the engine's own:
// their schemas are shared with the Docker driver (../engine-api/wire.ts).
