// Portainer's authentication, as api/http/security (bouncer, rate limiter) does it in 2.23:
// - POST /api/auth exchanges username and password for a JWT signed with a secret generated at
//   every start (so a restart invalidates every JWT), valid for the session timeout (8 h);
// - each request is authenticated by X-API-Key (or ?x-api-key=), else the portainer_api_key
//   cookie, else Authorization: Bearer <jwt> (or ?token=); both an API key and an Authorization
//   header is a 403; nothing is a 401 "A valid authorization token is missing"; a bad or
//   expired token, or an unknown key, is a 401 "Invalid JWT token";
// - POST /api/auth/logout revokes the JWT it was sent with (a list kept in memory);
// - /api/auth is rate-limited per client IP (the TCP peer): more than 10 requests within 1 s
//   bans that IP for an hour (403 "Access denied").
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { portainerError } from "./http.ts";

export interface DoubleUser {
  id: number;
  username: string;
  password: string;
  /** 1 administrator, 2 standard user (Portainer's roles). */
  role: 1 | 2;
  /** A raw API key ("ptr_…") belonging to this user. */
  apiKey?: string;
}

export type Authenticated = { user: DoubleUser; via: "api-key" | "jwt" | "cookie" };

const b64 = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export class Authenticator {
  #secret = randomBytes(32);

  constructor(
    private readonly users: DoubleUser[],
    private readonly sessionTimeoutMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  readonly #revoked = new Set<string>();

  /** What a Portainer restart does to sessions: a new signing secret (and the revocation list is gone). */
  rotateSecret(): void {
    this.#secret = randomBytes(32);
    this.#revoked.clear();
  }

  /** POST /api/auth/logout: the token stops working (kept in memory only, as Portainer does). */
  revoke(req: IncomingMessage): void {
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    if (token) this.#revoked.add(token);
  }

  login(username: string, password: string): string {
    const user = this.users.find((u) => u.username === username && u.password === password);
    if (!user) throw portainerError(422, "Invalid credentials", "unauthorized");
    const iat = Math.floor(this.now() / 1000);
    const payload = { id: user.id, username: user.username, role: user.role, scope: "default", forceChangePassword: false, iat, exp: iat + Math.ceil(this.sessionTimeoutMs() / 1000) };
    const unsigned = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(JSON.stringify(payload))}`;
    return `${unsigned}.${this.#sign(unsigned)}`;
  }

  authenticate(req: IncomingMessage, url: URL): Authenticated {
    const queryKey = [...url.searchParams.entries()].find(([k]) => k.toLowerCase() === "x-api-key")?.[1];
    const apiKey = (req.headers["x-api-key"] as string | undefined) ?? queryKey;
    const authorization = req.headers.authorization;
    if (apiKey && authorization) {
      throw portainerError(403, "api key and auth header are not allowed at the same time");
    }
    if (apiKey) {
      const user = this.users.find((u) => u.apiKey !== undefined && u.apiKey === apiKey);
      if (!user) throw portainerError(401, "Invalid JWT token", "unauthorized");
      return { user, via: "api-key" };
    }
    const cookie = /(?:^|;\s*)portainer_api_key=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    if (cookie) return { user: this.#verify(cookie), via: "cookie" };
    const token = authorization?.replace(/^Bearer /, "") ?? url.searchParams.get("token") ?? undefined;
    if (!token) throw portainerError(401, "A valid authorization token is missing", "unauthorized");
    return { user: this.#verify(token), via: "jwt" };
  }

  #verify(token: string): DoubleUser {
    const invalid = portainerError(401, "Invalid JWT token", "unauthorized");
    if (this.#revoked.has(token)) throw invalid;
    const [header, payload, signature] = token.split(".");
    if (!header || !payload || !signature) throw invalid;
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { id: number; exp: number };
    if (claims.exp * 1000 <= this.now()) throw invalid;
    const user = this.users.find((u) => u.id === claims.id);
    if (!user) throw portainerError(401, "An authorization token is invalid", "unauthorized");
    return user;
  }

  #sign(data: string): string {
    return createHmac("sha256", this.#secret).update(data).digest("base64url");
  }
}

/** Portainer's limiter on /api/auth: more than `max` requests per IP within 1 s bans it for an hour. */
export class LoginRateLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly #bans = new Map<string, number>();

  constructor(
    private readonly max = 10,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the request; false when the IP is (now) banned. */
  allow(ip: string): boolean {
    const now = this.now();
    const bannedUntil = this.#bans.get(ip);
    if (bannedUntil !== undefined && bannedUntil > now) return false;
    const recent = (this.#hits.get(ip) ?? []).filter((t) => t > now - 1_000);
    recent.push(now);
    this.#hits.set(ip, recent);
    if (recent.length > this.max) {
      this.#bans.set(ip, now + 60 * 60_000);
      return false;
    }
    return true;
  }

  /** Test control: lift every ban (Portainer only forgets them when it restarts... or after an hour). */
  reset(): void {
    this.#hits.clear();
    this.#bans.clear();
  }
}
