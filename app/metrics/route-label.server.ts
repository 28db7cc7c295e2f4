// Bounded label values for HTTP metrics: a request is labelled with the Remix route that serves it
// (its route id, e.g. "routes/admin.tenants.$id") or with one of a few fixed names, never with
// its raw path, so /admin/tenants/<uuid> for ten thousand tenants is still one time series.
// Matching follows Remix's ranking (static segments before dynamic ones, splats last); a path no
// route serves is "unmatched", and a method outside the usual few is "OTHER".

/** The parts of a Remix build's route manifest the matcher reads (ServerBuild["routes"]). */
export interface RouteManifestEntry {
  id: string;
  parentId?: string | undefined;
  path?: string | undefined;
  index?: boolean | undefined;
}

/** Paths the portal serves outside Remix (the path itself and all below it), with their labels. */
const FIXED_PREFIXES: readonly (readonly [string, string])[] = [
  ["/build", "static"],
  ["/_control", "control"],
  ["/metrics", "metrics"],
];
export const UNMATCHED = "unmatched";
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return METHODS.has(upper) ? upper : "OTHER";
}

interface Candidate {
  id: string;
  segments: string[];
  score: number;
}

/** Builds the matcher once from the build's routes; the returned function labels a path. */
export function routeLabeler(routes: Record<string, RouteManifestEntry | undefined>): (pathname: string) => string {
  const entries = Object.values(routes).filter((r): r is RouteManifestEntry => r !== undefined);
  const byId = new Map(entries.map((r) => [r.id, r]));
  const hasChildren = new Set(entries.map((r) => r.parentId).filter((id): id is string => id !== undefined));
  const candidates: Candidate[] = [];
  for (const route of entries) {
    // A layout that only wraps children (no path of its own, or the root) never ends a match alone.
    if (!route.index && !route.path && hasChildren.has(route.id)) continue;
    const segments = fullPath(route, byId).split("/").filter(Boolean);
    candidates.push({ id: route.id, segments, score: rank(segments, route.index === true) });
  }
  candidates.sort((a, b) => b.score - a.score);

  return (pathname: string) => {
    const fixed = FIXED_PREFIXES.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`));
    if (fixed) return fixed[1];
    const parts = pathname.split("/").filter(Boolean);
    return candidates.find((c) => matches(c.segments, parts))?.id ?? UNMATCHED;
  };
}

function fullPath(route: RouteManifestEntry, byId: Map<string, RouteManifestEntry>): string {
  const own = route.path ?? "";
  const parent = route.parentId ? byId.get(route.parentId) : undefined;
  return parent ? `${fullPath(parent, byId)}/${own}` : own;
}

// Remix's (React Router's) ranking: static 10, dynamic 3, splat -2, index +2.
function rank(segments: string[], index: boolean): number {
  let score = segments.length + (index ? 2 : 0);
  for (const segment of segments) {
    if (segment === "*") score -= 2;
    else if (segment.startsWith(":")) score += 3;
    else score += 10;
  }
  return score;
}

function matches(pattern: string[], parts: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment === "*") return true;
    const part = parts[i];
    if (part === undefined) return false;
    if (segment.startsWith(":")) continue;
    if (segment.toLowerCase() !== safeDecode(part).toLowerCase()) return false;
  }
  return parts.length === pattern.length;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
