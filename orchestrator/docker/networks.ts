// The stack's private networks: one bridge per tenant, not attachable by foreign containers
// (listed and removed with the project: ../engine-api/containers.ts).
import type Dockerode from "dockerode";
import { LABELS, type NetworkSpec } from "../stack-spec.ts";
import { dockerCall, dockerCallOrNull, isDockerStatus, translateDockerError } from "./errors.ts";
import { assertOwnedBy } from "./labels.ts";

export async function ensureNetwork(docker: Dockerode, project: string, network: NetworkSpec): Promise<void> {
  const action = `inspecting network ${network.name}`;
  const existing = await dockerCallOrNull(action, () => docker.getNetwork(network.name).inspect());
  if (existing) {
    assertOwnedBy(project, "network", network.name, existing.Labels);
    return;
  }
  try {
    await docker.createNetwork({
      Name: network.name,
      Driver: "bridge",
      Attachable: false,
      // Docker allows two networks with one name unless asked not to (API < 1.44).
      CheckDuplicate: true,
      Labels: { ...network.labels, [LABELS.composeProject]: project },
    });
  } catch (err) {
    // Created concurrently by another attempt: fine if it is ours.
    if (!isDockerStatus(err, 409)) throw translateDockerError(err, `creating network ${network.name}`);
    const raced = await dockerCall(action, () => docker.getNetwork(network.name).inspect());
    assertOwnedBy(project, "network", network.name, raced.Labels);
  }
}
