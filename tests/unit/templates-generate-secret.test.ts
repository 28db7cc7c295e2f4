// orchestrator/templates/generate-secret.ts: a tenant's generated secrets, as the manifest asks
// (bytes and encoding), and the manifest's floor of 128 bits.
import { describe, expect, it } from "vitest";
import { generateSecret } from "../../orchestrator/templates/generate-secret.ts";
import { parseManifest } from "../../orchestrator/templates/manifest.ts";
import { baseManifest } from "../support/template-fixtures.ts";

describe("secrets", () => {
  it("generates hex and unpadded base64url of the requested length", () => {
    const hex = generateSecret({ bytes: 24, encoding: "hex" });
    expect(hex).toMatch(/^[0-9a-f]{48}$/);
    const url = generateSecret({ bytes: 32, encoding: "base64url" });
    expect(url).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret({ bytes: 24, encoding: "hex" })).not.toBe(hex);
    expect(generateSecret({ bytes: 16, encoding: "base64url" }, (size) => Buffer.alloc(size, 0xff))).toBe("_____________________w");
  });

  it("refuses a manifest asking for fewer than 128 bits", () => {
    const manifest = baseManifest("weak");
    manifest.variables[1].generate = { bytes: 15, encoding: "hex" };
    expect(() => parseManifest(JSON.stringify(manifest), "manifest.json")).toThrow(/at least 16 bytes/);
  });
});
