// One contract, three ways of running stacks on the real Docker engine: the Docker driver
// directly, and the Portainer driver through the Portainer double in each deployment model
// (sync as 2.23-2.39, async as the newest source). See driver-contract.ts for the contract.
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { freePort } from "../support/portal.ts";
import { portainerDriverFor, startDouble } from "../support/portainer-lab.ts";
import { driverContract } from "./driver-contract.ts";

driverContract("Docker engine", async () => ({
  driver: createDockerDriver({
    docker: new Docker({ socketPath: "/var/run/docker.sock" }),
    pullTimeoutMs: 15_000,
    healthTimeoutMs: 90_000,
    pollIntervalMs: 250,
  }),
  unreachable: createDockerDriver({ docker: new Docker({ socketPath: `/tmp/tenantry-no-engine-${randomBytes(4).toString("hex")}.sock` }) }),
  teardown: async () => {},
}));

for (const mode of ["sync", "async"] as const) {
  driverContract(`Portainer (${mode} deployments), through the double`, async () => {
    const double = await startDouble({ mode });
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    return {
      driver: portainerDriverFor(double, mode === "sync" ? "api-key" : "password"),
      unreachable: portainerDriverFor(double, "api-key", { url: nowhere, attempts: 2, retryDelayMs: 50 }),
      double,
      teardown: async () => {
        await double.settle();
        await double.stop();
      },
    };
  });
}
