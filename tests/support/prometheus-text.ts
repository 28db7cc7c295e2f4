// A small strict parser of Prometheus's text exposition format (version 0.0.4), for tests that
// scrape /metrics: it throws on anything a Prometheus server would refuse or that breaks the
// format's rules (bad names, bad escapes, a TYPE after its samples, a family split in two, a
// sample repeated, a histogram whose buckets are not cumulative or miss +Inf), so a test that
// parses our output also shows it is valid exposition text.

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

export class PrometheusTextError extends Error {
  override name = "PrometheusTextError";
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seenSeries = new Set<string>();
  let current: MetricFamily | undefined;
  const closed = new Set<string>();
  const lines = text.split("\n");
  if (lines.at(-1) !== "") throw new PrometheusTextError(lines.length, "the text must end with a line feed");

  const open = (name: string, lineNo: number): MetricFamily => {
    if (current?.name === name) return current;
    if (current) closed.add(current.name);
    if (closed.has(name)) throw new PrometheusTextError(lineNo, `metric family ${name} appears twice, not in one block`);
    current = { name, type: "untyped", help: undefined, samples: [] };
    families.set(name, current);
    return current;
  };

  lines.slice(0, -1).forEach((line, index) => {
    const lineNo = index + 1;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!meta) return; // an ordinary comment
      const [, keyword, name = "", rest = ""] = meta;
      if (!METRIC_NAME.test(name)) throw new PrometheusTextError(lineNo, `bad metric name ${JSON.stringify(name)}`);
      const family = open(name, lineNo);
      if (keyword === "HELP") {
        if (family.help !== undefined) throw new PrometheusTextError(lineNo, `second HELP for ${name}`);
        family.help = unescape(rest, false, lineNo);
      } else {
        if (family.samples.length > 0) throw new PrometheusTextError(lineNo, `TYPE of ${name} after its samples`);
        if (family.type !== "untyped" || !TYPES.has(rest.trim() as MetricType)) {
          throw new PrometheusTextError(lineNo, `bad or second TYPE ${JSON.stringify(rest)} for ${name}`);
        }
        family.type = rest.trim() as MetricType;
      }
      return;
    }
    const sample = parseSample(line, lineNo);
    const family = open(familyOf(sample.name, current), lineNo);
    checkSampleName(family, sample, lineNo);
    const series = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
    if (seenSeries.has(series)) throw new PrometheusTextError(lineNo, `sample ${series} appears twice`);
    seenSeries.add(series);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

/** The value of one sample, by its name and exactly its labels; throws when absent. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted) return sample.value;
    }
  }
  throw new Error(`no sample ${name}${JSON.stringify(labels)} in the scrape`);
}

function familyOf(sampleName: string, current: MetricFamily | undefined): string {
  if (current && (current.type === "histogram" || current.type === "summary")) {
    const base = sampleName.replace(/_(bucket|sum|count)$/, "");
    if (base === current.name) return current.name;
  }
  return sampleName;
}

function checkSampleName(family: MetricFamily, sample: Sample, lineNo: number) {
  if (family.type === "histogram") {
    if (sample.name === `${family.name}_bucket`) {
      if (sample.labels.le === undefined) throw new PrometheusTextError(lineNo, `${sample.name} without an le label`);
    } else if (sample.name !== `${family.name}_sum` && sample.name !== `${family.name}_count`) {
      throw new PrometheusTextError(lineNo, `${sample.name} is not a sample of histogram ${family.name}`);
    }
  }
  if (family.type === "counter" && sample.value < 0) throw new PrometheusTextError(lineNo, `counter ${sample.name} is negative`);
}

function checkHistogram(family: MetricFamily) {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name.endsWith("_bucket")).map((s) => ({ le: parseValue(s.labels.le ?? "", 0), value: s.value }));
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const inf = buckets.find((b) => b.le === Infinity);
    if (!inf || !count || inf.value !== count.value) throw new Error(`histogram ${family.name}${key}: the +Inf bucket must exist and equal _count`);
    const sorted = [...buckets].sort((a, b) => a.le - b.le);
    if (sorted.some((b, i) => i > 0 && b.value < sorted[i - 1]!.value)) throw new Error(`histogram ${family.name}${key}: buckets are not cumulative`);
  }
}

function parseSample(line: string, lineNo: number): Sample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) throw new PrometheusTextError(lineNo, `bad sample line ${JSON.stringify(line)}`);
  const name = head[1]!;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    while (!rest.startsWith("}")) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest);
      if (!label) throw new PrometheusTextError(lineNo, `bad label in ${JSON.stringify(line)}`);
      const labelName = label[1]!;
      if (!LABEL_NAME.test(labelName) || labelName.startsWith("__")) throw new PrometheusTextError(lineNo, `reserved label name ${labelName}`);
      if (labelName in labels) throw new PrometheusTextError(lineNo, `label ${labelName} twice`);
      rest = rest.slice(label[0].length);
      let raw = "";
      for (;;) {
        const char = rest[0];
        if (char === undefined) throw new PrometheusTextError(lineNo, "unterminated label value");
        if (char === '"') break;
        if (char === "\\") {
          raw += rest.slice(0, 2);
          rest = rest.slice(2);
        } else {
          raw += char;
          rest = rest.slice(1);
        }
      }
      labels[labelName] = unescape(raw, true, lineNo);
      rest = rest.slice(1);
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) throw new PrometheusTextError(lineNo, `expected , or } in ${JSON.stringify(line)}`);
    }
    rest = rest.slice(1);
  }
  const tail = /^ +(\S+)(?: +(-?\d+))?$/.exec(rest);
  if (!tail) throw new PrometheusTextError(lineNo, `bad value or timestamp in ${JSON.stringify(line)}`);
  return { name, labels, value: parseValue(tail[1]!, lineNo) };
}

// Values are read as Prometheus reads them (Go's strconv.ParseFloat): NaN and the infinities in any
// letter case. prom-client writes "Nan" (an event-loop statistic before its first sample).
function parseValue(text: string, lineNo: number): number {
  const special = text.toLowerCase();
  if (special === "+inf" || special === "inf" || special === "+infinity" || special === "infinity") return Infinity;
  if (special === "-inf" || special === "-infinity") return -Infinity;
  if (special === "nan") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new PrometheusTextError(lineNo, `bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** HELP escapes \\ and \n; label values also \". Any other escape is an error. */
function unescape(text: string, quotes: boolean, lineNo: number): string {
  return text.replace(/\\(.?)/g, (_all, next: string) => {
    if (next === "\\") return "\\";
    if (next === "n") return "\n";
    if (next === '"' && quotes) return '"';
    throw new PrometheusTextError(lineNo, `bad escape \\${next}`);
  });
}
