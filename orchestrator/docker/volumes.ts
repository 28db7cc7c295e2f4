// The stack's named volumes (its data), created before the containers that mount them. They are
// removed only when asked to, since removing one deletes a tenant's database
// (../engine-api/containers.ts, removeProjectResources).
import type Dockerode from "dockerode";
import { LABELS, type VolumeSpec } from "../stack-spec.ts";
import { dockerCall, dockerCallOrNull } from "./errors.ts";
import { assertOwnedBy } from "./labels.ts";

export async function ensureVolume(docker: Dockerode, project: string, volume: VolumeSpec): Promise<void> {
  const existing = await dockerCallOrNull(`inspecting volume ${volume.name}`, () => docker.getVolume(volume.name).inspect());
  if (existing) {
    assertOwnedBy(project, "volume", volume.name, existing.Labels);
    return;
  }
  // Creating a volume that appeared meanwhile returns the existing one: no race to handle.
  await dockerCall(`creating volume ${volume.name}`, () =>
    docker.createVolume({ Name: volume.name, Labels: { ...volume.labels, [LABELS.composeProject]: project } }),
  );
}
