// The strict parser the /metrics tests read scrapes with (tests/support/prometheus-text.ts): it
// reads what prom-client writes, escapes included, and refuses text a Prometheus server would
// refuse, so a scrape that parses is valid exposition text.
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.ts";

describe("Prometheus text parser", () => {
  it("reads a registry's output: types, help, labels with escapes, histograms", async () => {
    const registry = new Registry();
    const counter = new Counter({ name: "demo_total", help: 'Counts "things" \\ with\nnew lines.', labelNames: ["who"], registers: [registry] });
    counter.inc({ who: 'a "quoted"\\name\nsecond line' }, 3);
    const histogram = new Histogram({ name: "demo_seconds", help: "Durations.", labelNames: ["route"], buckets: [0.1, 1], registers: [registry] });
    histogram.observe({ route: "x" }, 0.05);
    histogram.observe({ route: "x" }, 5);
    const families = parsePrometheusText(await registry.metrics());
    expect(families.get("demo_total")).toMatchObject({ type: "counter", help: 'Counts "things" \\ with\nnew lines.' });
    expect(sampleValue(families, "demo_total", { who: 'a "quoted"\\name\nsecond line' })).toBe(3);
    expect(families.get("demo_seconds")?.type).toBe("histogram");
    expect(sampleValue(families, "demo_seconds_bucket", { route: "x", le: "0.1" })).toBe(1);
    expect(sampleValue(families, "demo_seconds_bucket", { route: "x", le: "+Inf" })).toBe(2);
    expect(sampleValue(families, "demo_seconds_count", { route: "x" })).toBe(2);
    expect(() => sampleValue(families, "demo_total", { who: "nobody" })).toThrow(/no sample/);
  });

  it("reads special values and timestamps", () => {
    const families = parsePrometheusText("# TYPE g gauge\ng{a=\"1\"} NaN\ng{a=\"2\"} +Inf 1700000000000\ng{a=\"3\"} -1.5e3\n");
    expect(sampleValue(families, "g", { a: "1" })).toBeNaN();
    expect(sampleValue(families, "g", { a: "2" })).toBe(Infinity);
    expect(sampleValue(families, "g", { a: "3" })).toBe(-1500);
  });

  it("reads NaN and the infinities in any letter case, as Prometheus does (prom-client writes Nan)", () => {
    const families = parsePrometheusText('# TYPE g gauge\ng{a="1"} Nan\ng{a="2"} inf\ng{a="3"} -INF\n');
    expect(sampleValue(families, "g", { a: "1" })).toBeNaN();
    expect(sampleValue(families, "g", { a: "2" })).toBe(Infinity);
    expect(sampleValue(families, "g", { a: "3" })).toBe(-Infinity);
  });

  it.each([
    ["no final line feed", "# TYPE a gauge\na 1"],
    ["a bad metric name", "# TYPE 1a gauge\n1a 1\n"],
    ["a bad value", "a one\n"],
    ["an unknown escape", 'a{l="\\t"} 1\n'],
    ["an unterminated label value", 'a{l="x} 1\n'],
    ["a label twice", 'a{l="x",l="y"} 1\n'],
    ["a reserved label name", 'a{__name__="x"} 1\n'],
    ["a TYPE after its samples", "a 1\n# TYPE a gauge\n"],
    ["two TYPEs", "# TYPE a gauge\n# TYPE a counter\n"],
    ["an unknown type", "# TYPE a meter\n"],
    ["a family split in two", "a 1\nb 1\na{x=\"y\"} 2\n"],
    ["a series twice", 'a{x="y"} 1\na{x="y"} 2\n'],
    ["a negative counter", "# TYPE a_total counter\na_total -1\n"],
    ["a bucket without le", "# TYPE h histogram\nh_bucket 1\nh_count 1\n"],
    ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\nh_sum 1\n'],
    ["buckets not cumulative", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n'],
    ["+Inf unequal to _count", '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\nh_sum 1\n'],
  ])("refuses %s", (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
