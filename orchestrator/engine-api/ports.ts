// Host ports taken on the engine, for the port allocator: published by running containers, and
// bound (to be published again on start) by stopped ones, ours or not.
import type { EngineApi } from "./engine.ts";

export async function publishedPorts(engine: EngineApi): Promise<Set<number>> {
  const ports = new Set<number>();
  const containers = await engine.listContainers({});
  for (const c of containers) for (const p of c.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
  // A stopped container publishes nothing now but takes its fixed ports back when started.
  for (const c of containers.filter((c) => c.State !== "running")) {
    const info = await engine.inspectContainer(c.Id, c.Id);
    for (const bindings of Object.values(info?.HostConfig.PortBindings ?? {})) {
      for (const b of bindings ?? []) {
        const port = Number(b.HostPort);
        if (Number.isInteger(port) && port > 0) ports.add(port);
      }
    }
  }
  return ports;
}
