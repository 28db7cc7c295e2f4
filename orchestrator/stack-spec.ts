// A tenant's stack as the drivers receive it: the fully rendered compose text (for drivers that
// deploy compose files, such as Portainer) and the same stack parsed into our own types (for
// drivers that create each resource, such as the Docker driver). No dockerode type appears here.

export type DependsOnCondition = "service_started" | "service_healthy" | "service_completed_successfully";
export type RestartPolicy = "no" | "always" | "unless-stopped" | "on-failure";

export interface PortSpec {
  /** Host address the port is published on ("127.0.0.1" in tests). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

export interface VolumeMountSpec {
  /** Name of a volume declared by the stack (its real, engine-wide name). */
  volume: string;
  target: string;
  readOnly: boolean;
}

export interface HealthcheckSpec {
  /** As in compose: ["CMD", ...] or ["CMD-SHELL", "..."]. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface ServiceSpec {
  /** The compose service name ("app", "postgres"). */
  name: string;
  containerName: string;
  image: string;
  command?: string[];
  environment: Record<string, string>;
  ports: PortSpec[];
  volumes: VolumeMountSpec[];
  /** Real, engine-wide network names. */
  networks: string[];
  dependsOn: { service: string; condition: DependsOnCondition }[];
  healthcheck?: HealthcheckSpec;
  restart: RestartPolicy;
  memoryBytes?: number;
  nanoCpus?: number;
  labels: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  labels: Record<string, string>;
}

export interface VolumeSpec {
  name: string;
  labels: Record<string, string>;
}

export interface StackSpec {
  /** Compose project name, "client-<slug>": also the Portainer stack name. */
  project: string;
  /** The rendered compose file: every variable substituted, nothing left to interpolate. */
  composeText: string;
  /** Services in an order where every service comes after those it depends on. */
  services: ServiceSpec[];
  networks: NetworkSpec[];
  volumes: VolumeSpec[];
}

/** Labels every resource of a stack carries, so any tool (and our reconciler) finds it again. */
export const LABELS = {
  composeProject: "com.docker.compose.project",
  composeService: "com.docker.compose.service",
  composeNetwork: "com.docker.compose.network",
  composeVolume: "com.docker.compose.volume",
  managed: "io.tenantry.managed",
  tenantId: "io.tenantry.tenant-id",
  templateHash: "io.tenantry.template-hash",
} as const;
