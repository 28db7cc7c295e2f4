// The periods tasks run in: aligned in UTC, named by their start, the next one right after.
import { describe, expect, it } from "vitest";
import { daily, everyMinutes, weekly } from "../../orchestrator/scheduler/periods.ts";

const at = (iso: string) => new Date(iso);

describe("scheduler periods", () => {
  it("cuts time into periods of minutes aligned on the hour", () => {
    const five = everyMinutes(5);
    expect(five.startOf(at("2026-12-03T12:07:31.500Z")).toISOString()).toBe("2026-12-03T12:05:00.000Z");
    expect(five.startOf(at("2026-12-03T12:05:00.000Z")).toISOString()).toBe("2026-12-03T12:05:00.000Z");
    expect(five.next(at("2026-12-03T12:05:00.000Z")).toISOString()).toBe("2026-12-03T12:10:00.000Z");
    expect(five.description).toBe("every 5 minutes");
    expect(everyMinutes(60).description).toBe("hourly");
    expect(everyMinutes(60).startOf(at("2026-12-03T12:59:59.999Z")).toISOString()).toBe("2026-12-03T12:00:00.000Z");
  });

  it("refuses a length that does not divide an hour or a day", () => {
    expect(() => everyMinutes(7)).toThrow(/does not divide/);
    expect(() => everyMinutes(0)).toThrow(RangeError);
  });

  it("starts a day at the given hour, UTC", () => {
    const d = daily(3);
    expect(d.startOf(at("2026-12-03T02:59:00Z")).toISOString()).toBe("2026-12-02T03:00:00.000Z");
    expect(d.startOf(at("2026-12-03T03:00:00Z")).toISOString()).toBe("2026-12-03T03:00:00.000Z");
    expect(d.next(at("2026-12-03T03:00:00Z")).toISOString()).toBe("2026-12-04T03:00:00.000Z");
  });

  it("starts a week on the given weekday and hour", () => {
    const w = weekly(1, 7); // Monday 07:00 UTC; 2026-12-03 is a Thursday
    expect(w.startOf(at("2026-12-03T12:00:00Z")).toISOString()).toBe("2026-11-30T07:00:00.000Z");
    expect(w.startOf(at("2026-11-30T06:59:00Z")).toISOString()).toBe("2026-11-23T07:00:00.000Z");
    expect(w.startOf(at("2026-11-30T07:00:00Z")).toISOString()).toBe("2026-11-30T07:00:00.000Z");
    expect(w.next(at("2026-11-30T07:00:00Z")).toISOString()).toBe("2026-12-07T07:00:00.000Z");
    expect(w.description).toBe("weekly on Monday at 07:00 UTC");
  });
});
