// How Tenantry proves who it is to Portainer on every call (../../docs/portainer-api.md §2):
// an API key in X-API-Key (preferred: no login, survives restarts), or a JWT obtained from
// username and password. The JWT is cached and renewed only when Portainer answers 401 with it,
// once for every caller that used it: Portainer bans an address for an hour after more than 10
// logins in a second, and forgets every JWT when it restarts. Never both headers at once
// (Portainer answers 403), and never a cookie (it would switch CSRF checks on).

export type PortainerCredentials = { apiKey: string } | { username: string; password: string };

export interface Session {
  /** Whether a 401 can be cured by logging in again. */
  readonly renewable: boolean;
  /** The headers carrying the credential, and the token they carry (to recognise a stale 401). */
  authorise(signal?: AbortSignal): Promise<{ headers: Record<string, string>; token: string }>;
  /** After a 401 answered to `token`: gets a new JWT, unless another caller already did. */
  renew(token: string, signal?: AbortSignal): Promise<void>;
}

export function apiKeySession(apiKey: string): Session {
  return {
    renewable: false,
    authorise: async () => ({ headers: { "X-API-Key": apiKey }, token: apiKey }),
    renew: async () => {},
  };
}

/**
 * `login` performs POST /api/auth and returns the JWT (or throws the translated refusal). It gets
 * no caller's signal: the login is shared by every caller waiting for a token, so one job's abort
 * (its deadline, a lost lease) must not cancel it for the others. It is bounded by the client's
 * own request timeout; each caller only stops *waiting* for it when its own signal aborts.
 */
export function jwtSession(login: () => Promise<string>): Session {
  let jwt: string | undefined;
  let pending: Promise<string> | undefined;

  // Every caller waiting for a token shares one login.
  const loginOnce = (signal?: AbortSignal): Promise<string> => {
    pending ??= login()
      .then((token) => {
        jwt = token;
        return token;
      })
      .finally(() => {
        pending = undefined;
      });
    return untilAborted(pending, signal);
  };

  return {
    renewable: true,
    async authorise(signal) {
      const token = jwt ?? (await loginOnce(signal));
      return { headers: { Authorization: `Bearer ${token}` }, token };
    },
    async renew(token, signal) {
      // A 401 to a token that is no longer the current one: someone renewed it already.
      if (jwt !== undefined && jwt !== token) return;
      jwt = undefined;
      await loginOnce(signal);
    },
  };
}

/** `shared`, or this caller's abort reason as soon as its signal aborts (`shared` carries on). */
function untilAborted<T>(shared: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return shared;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stopWaiting = () => reject(signal.reason);
    signal.addEventListener("abort", stopWaiting, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener("abort", stopWaiting);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", stopWaiting);
        reject(error);
      },
    );
  });
}
