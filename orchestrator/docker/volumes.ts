// The stack's named volumes (its data). Created before the containers that mount them, removed
// only when asked to, since removing one deletes a tenant's database.
import type Dockerode from "dockerode";
import { LABELS, type VolumeSpec } from "../stack-spec.ts";
import { dockerCall, dockerCallIdempotent, dockerCallOrNull } from "./errors.ts";
import { assertOwnedBy, projectLabelFilter } from "./labels.ts";

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

export async function projectVolumes(docker: Dockerode, project: string): Promise<string[]> {
  const answer = await dockerCall(`listing volumes of ${project}`, () =>
    docker.listVolumes({ filters: projectLabelFilter(project) }),
  );
  return (answer.Volumes ?? []).map((v) => v.Name);
}

export async function removeProjectVolumes(docker: Dockerode, project: string): Promise<void> {
  for (const name of await projectVolumes(docker, project)) {
    await dockerCallIdempotent(`removing volume ${name}`, () => docker.getVolume(name).remove(), [404]);
  }
}
