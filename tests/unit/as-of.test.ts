// The --at of `npm run tasks -- run-due`: ISO dates and times, UTC unless they say otherwise.
import { describe, expect, it } from "vitest";
import { parseAsOf } from "../../app/control/as-of";

const now = new Date("2026-12-03T12:00:00Z");

describe("run-due --at", () => {
  it("reads dates and times, UTC by default", () => {
    expect(parseAsOf(undefined, now)).toEqual({ date: now });
    expect(parseAsOf("2027-01-04", now)).toEqual({ date: new Date("2027-01-04T00:00:00Z") });
    expect(parseAsOf("2027-01-04T09:30", now)).toEqual({ date: new Date("2027-01-04T09:30:00Z") });
    expect(parseAsOf("2027-01-04T09:30:00+02:00", now)).toEqual({ date: new Date("2027-01-04T07:30:00Z") });
    expect(parseAsOf("2027-01-04T09:30:00.250Z", now)).toEqual({ date: new Date("2027-01-04T09:30:00.250Z") });
  });

  it("refuses what is not an ISO time, saying what to write", () => {
    for (const bad of ["tomorrow", "04/01/2027", "2027-13-45", "2027-01-04 09:30", "1700000000"]) {
      const parsed = parseAsOf(bad, now);
      expect(parsed, bad).toHaveProperty("error");
      expect((parsed as { error: string }).error).toMatch(/ISO 8601/);
    }
  });
});
