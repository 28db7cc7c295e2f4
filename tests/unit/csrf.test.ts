// The console's CSRF check (app/admin/session.server.ts): the token is compared in constant time
// (both sides hashed to 32 bytes, then timingSafeEqual), and anything but the exact token is refused.
// Timing itself is not asserted here (too noisy to be meaningful); this pins the behaviour.
import { describe, expect, it } from "vitest";
import { assertCsrf, sameSecret } from "../../app/admin/session.server.ts";

const session = { sessionId: "s", csrfToken: "Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg", admin: { id: "a", email: "a@vendor.test", role: "owner" as const } };
const formWith = (csrf?: string | Blob) => {
  const form = new FormData();
  if (csrf !== undefined) form.set("csrf", csrf);
  return form;
};

describe("CSRF token check", () => {
  it("accepts the session's token", () => {
    expect(() => assertCsrf(formWith(session.csrfToken), session)).not.toThrow();
  });

  it("refuses a missing, wrong, shorter, longer or non-text token with 403", () => {
    for (const csrf of [undefined, "", "x", session.csrfToken.slice(0, -1), `${session.csrfToken}x`, session.csrfToken.toUpperCase(), new Blob([session.csrfToken])]) {
      let thrown: unknown;
      try {
        assertCsrf(formWith(csrf), session);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Response);
      expect((thrown as Response).status).toBe(403);
    }
  });

  it("compares secrets of any length without throwing, and never matches an empty expected value", () => {
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abc", "abcd")).toBe(false);
    expect(sameSecret("é", "e")).toBe(false);
    expect(sameSecret("", "")).toBe(false);
  });
});
