/**
 * A small reader of the Prometheus text exposition format (0.0.4), strict enough to catch what
 * a scraper would reject: every sample belongs to a family declared by `# TYPE` before it,
 * metric and label names are valid, label values are quoted with the format's escapes,
 * counters end in `_total`, and every histogram series has increasing `le` buckets ending with
 * `+Inf`, cumulative counts, and a `_count` equal to its `+Inf` bucket.
 */

/** One sample line. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** One metric family. */
export interface ParsedFamily {
  readonly name: string;
  help: string;
  type: string;
  readonly samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses an exposition; throws with the line number on anything malformed. */
export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with \\n");
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((line, index) => {
    const fail = (why: string) => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.startsWith("# HELP ")) {
      const [name, ...rest] = line.slice(7).split(" ");
      if (!METRIC_NAME.test(name)) fail("bad metric name");
      const family = familyOf(families, name);
      family.help = unescape(rest.join(" "), false, fail);
      return;
    }
    if (line.startsWith("# TYPE ")) {
      const [name, type, extra] = line.slice(7).split(" ");
      if (!METRIC_NAME.test(name) || extra !== undefined) fail("bad TYPE line");
      if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) fail("bad type");
      const family = familyOf(families, name);
      if (family.type !== "" || family.samples.length > 0) fail("TYPE after samples or twice");
      family.type = type;
      return;
    }
    if (line.startsWith("#") || line === "") return;
    const sample = parseSample(line, fail);
    const family = families.get(sample.name) ??
      families.get(sample.name.replace(/_(bucket|sum|count)$/, ""));
    if (!family || family.type === "") fail("sample of an undeclared family");
    if (family!.type === "histogram" && family!.name === sample.name) fail("bare histogram sample");
    family!.samples.push(sample);
  });
  for (const family of families.values()) checkFamily(family);
  return families;
}

function familyOf(families: Map<string, ParsedFamily>, name: string): ParsedFamily {
  let family = families.get(name);
  if (!family) families.set(name, family = { name, help: "", type: "", samples: [] });
  return family;
}

function parseSample(line: string, fail: (why: string) => never): ParsedSample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) fail("no metric name");
  const name = line.slice(0, nameEnd);
  if (!METRIC_NAME.test(name)) fail("bad metric name");
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const eq = line.indexOf("=", i);
      if (eq < 0) fail("label without =");
      const label = line.slice(i, eq);
      if (!LABEL_NAME.test(label) || label in labels) fail(`bad or repeated label ${label}`);
      if (line[eq + 1] !== '"') fail("unquoted label value");
      let j = eq + 2;
      let raw = "";
      while (j < line.length && line[j] !== '"') {
        if (line[j] === "\\") {
          raw += line.slice(j, j + 2);
          j += 2;
        } else raw += line[j++];
      }
      if (line[j] !== '"') fail("unterminated label value");
      labels[label] = unescape(raw, true, fail);
      i = j + 1;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") fail("expected , or }");
    }
    i++;
  }
  if (line[i] !== " ") fail("no value");
  const valueText = line.slice(i + 1);
  const value = valueText === "+Inf"
    ? Infinity
    : valueText === "-Inf"
    ? -Infinity
    : valueText === "NaN"
    ? NaN
    : Number(valueText);
  if (valueText === "" || (Number.isNaN(value) && valueText !== "NaN")) fail("bad value");
  return { name, labels, value };
}

/** Undoes the format's escapes: `\\`, `\n`, and in label values `\"`. */
function unescape(text: string, quoted: boolean, fail: (why: string) => never): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && quoted) return '"';
    return fail(`bad escape \\${c}`);
  });
}

function checkFamily(family: ParsedFamily): void {
  const fail = (why: string) => {
    throw new Error(`family ${family.name}: ${why}`);
  };
  if (family.type === "") fail("no TYPE line");
  if (family.help === "") fail("no HELP line");
  if (family.type === "counter" && !family.name.endsWith("_total")) fail("counter without _total");
  if (family.type !== "histogram") return;
  const series = new Map<string, ParsedSample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (!count || !sum || buckets.length === 0) fail("a series without _bucket, _sum or _count");
    let lastLe = -Infinity;
    let lastCount = 0;
    for (const bucket of buckets) {
      const le = bucket.labels.le === "+Inf" ? Infinity : Number(bucket.labels.le);
      if (!(le > lastLe)) fail(`le not increasing: ${bucket.labels.le}`);
      if (bucket.value < lastCount) fail("bucket counts not cumulative");
      lastLe = le;
      lastCount = bucket.value;
    }
    if (lastLe !== Infinity) fail('no le="+Inf" bucket');
    if (lastCount !== count!.value) fail("_count differs from the +Inf bucket");
  }
}

/**
 * The value of the one sample of `name` whose labels include `labels`; undefined when none
 * matches (throws when several do).
 */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ""));
  const matching = (family?.samples ?? []).filter((sample) =>
    sample.name === name &&
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  );
  if (matching.length > 1) {
    throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return matching[0]?.value;
}
