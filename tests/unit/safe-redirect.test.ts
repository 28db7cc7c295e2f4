// The one check every redirect target taken from a request goes through (language switch, admin
// sign-in): only paths on this site pass, whatever a browser would make of the rest.
import { describe, expect, it } from "vitest";
import { safeRedirectPath } from "../../app/http/safe-redirect.ts";

describe("safe redirect paths", () => {
  it.each([
    ["/", "/"],
    ["/terms", "/terms"],
    ["/trial/abc?x=1#top", "/trial/abc?x=1#top"],
    ["/a/../terms", "/terms"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"], // encoded slashes stay a path on this site
    ["/caf%C3%A9", "/caf%C3%A9"],
  ])("keeps the path %j", (target, expected) => {
    expect(safeRedirectPath(target, "/fallback")).toBe(expected);
  });

  it.each([
    ["a tab browsers strip", "/\t/evil.example"],
    ["a newline browsers strip", "/\n/evil.example"],
    ["a carriage return", "/\r\n/evil.example"],
    ["a NUL", "/\u0000/evil.example"],
    ["a backslash read as a slash", "/\\evil.example"],
    ["two backslashes", "\\\\evil.example"],
    ["a slash and a backslash", "/\\/evil.example"],
    ["a protocol-relative URL", "//evil.example"],
    ["a protocol-relative URL with a path", "//evil.example/admin"],
    ["three slashes", "///evil.example"],
    ["an absolute URL", "https://evil.example/"],
    ["an absolute URL of this site's look-alike", "http://localhost.evil.example/"],
    ["javascript:", "javascript:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["a relative path", "evil.example"],
    ["an empty string", ""],
    ["a dot-segment that resolves to //", "/.//evil.example"],
    ["a C1 control", "/\u0085/evil.example"],
  ])("replaces %s", (_what, target) => {
    expect(safeRedirectPath(target, "/fallback")).toBe("/fallback");
  });

  it("replaces a missing target", () => {
    expect(safeRedirectPath(null, "/")).toBe("/");
    expect(safeRedirectPath(undefined, "/admin")).toBe("/admin");
  });

  it("keeps a target within the given prefix only, at a path segment boundary", () => {
    expect(safeRedirectPath("/admin/tenants?page=2", "/admin", "/admin")).toBe("/admin/tenants?page=2");
    expect(safeRedirectPath("/admin", "/admin", "/admin")).toBe("/admin");
    expect(safeRedirectPath("/administrator-phish", "/admin", "/admin")).toBe("/admin");
    expect(safeRedirectPath("/terms", "/admin", "/admin")).toBe("/admin");
    expect(safeRedirectPath("/admin/../terms", "/admin", "/admin")).toBe("/admin");
    expect(safeRedirectPath("/admin\t/evil", "/admin", "/admin")).toBe("/admin");
    expect(safeRedirectPath("/admin/%09/evil.example", "/admin", "/admin")).toBe("/admin/%09/evil.example");
  });
});
