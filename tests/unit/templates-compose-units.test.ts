// orchestrator/templates/compose-units.ts: compose's durations, sizes and CPU counts in the units
// the Engine API takes (milliseconds, bytes, nano-CPUs), and the refusals that name the field.
import { describe, expect, it } from "vitest";
import { parseByteSize, parseDurationMs, parseNanoCpus } from "../../orchestrator/templates/compose-units.ts";

describe("units", () => {
  it.each([
    ["5s", 5000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["0s", 0],
  ])("duration %s = %i ms", (text, ms) => {
    expect(parseDurationMs(text, "x")).toBe(ms);
  });

  it.each(["5", "abc", "5 s", "-1s", "", 5])("refuses the duration %j", (value) => {
    expect(() => parseDurationMs(value, "services.app.healthcheck.interval")).toThrow(/services\.app\.healthcheck\.interval must be a duration/);
  });

  it.each([
    ["256m", 268_435_456],
    ["1g", 1_073_741_824],
    ["1GB", 1_073_741_824],
    ["512k", 524_288],
    ["1.5g", 1_610_612_736],
    ["1048576", 1_048_576],
    [6_291_456, 6_291_456],
  ] as const)("size %j = %i bytes", (value, bytes) => {
    expect(parseByteSize(value, "x")).toBe(bytes);
  });

  it.each(["lots", "-1m", "1x", "", 0])("refuses the size %j", (value) => {
    expect(() => parseByteSize(value, "services.app.mem_limit")).toThrow(/services\.app\.mem_limit must be a size/);
  });

  it.each([
    ["0.5", 500_000_000],
    ["1.0", 1_000_000_000],
    [2, 2_000_000_000],
    ["0.25", 250_000_000],
  ] as const)("cpus %j = %i nano-CPUs", (value, nano) => {
    expect(parseNanoCpus(value, "x")).toBe(nano);
  });

  it.each(["0", "half", "-1", ""])("refuses cpus %j", (value) => {
    expect(() => parseNanoCpus(value, "services.app.cpus")).toThrow(/services\.app\.cpus must be a positive number/);
  });
});
