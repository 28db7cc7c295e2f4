// A console.error during a test is a failure unless the test says it expects one
// (`expectConsoleError()`), so React warnings and forgotten errors cannot pass unnoticed.
import { afterEach, beforeEach, vi, type MockInstance } from "vitest";

let spy: MockInstance<typeof console.error>;
let expected = false;

export function expectConsoleError() {
  expected = true;
}

beforeEach(() => {
  expected = false;
  spy = vi.spyOn(console, "error");
});

afterEach(() => {
  const calls = spy.mock.calls;
  spy.mockRestore();
  if (calls.length > 0 && !expected) {
    throw new Error(`console.error was called ${calls.length} time(s):\n${calls.map((c) => c.join(" ")).join("\n")}`);
  }
});
