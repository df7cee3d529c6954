/**
 * The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines, then one
 * line per sample; histograms as cumulative `_bucket{le="…"}` lines (the last `le="+Inf"`),
 * `_sum` and `_count`. Label values escape backslash, double quote and line feed; help texts
 * escape backslash and line feed.
 * @module
 */
import type { Histogram } from "./histogram.ts";

/** The content type of the exposition. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label names and values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One sample of a counter or gauge. */
export interface Sample {
  /** The series' labels (none: `{}`). */
  readonly labels: Labels;
  /** The value. */
  readonly value: number;
}

/** A metric family: its name, help, type and series. */
export type MetricFamily =
  | {
    readonly name: string;
    readonly help: string;
    readonly type: "counter" | "gauge";
    readonly samples: readonly Sample[];
  }
  | {
    readonly name: string;
    readonly help: string;
    readonly type: "histogram";
    readonly series: readonly { readonly labels: Labels; readonly histogram: Histogram }[];
  };

/** Writes families in the text format (a line feed ends every line). */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type !== "histogram") {
      for (const { labels, value } of family.samples) {
        lines.push(`${family.name}${labelSet(labels)} ${formatValue(value)}`);
      }
      continue;
    }
    for (const { labels, histogram } of family.series) {
      let cumulative = 0;
      for (let i = 0; i <= histogram.bounds.length; i++) {
        cumulative += histogram.counts[i];
        const le = i < histogram.bounds.length ? formatValue(histogram.bounds[i]) : "+Inf";
        lines.push(`${family.name}_bucket${labelSet({ ...labels, le })} ${cumulative}`);
      }
      lines.push(`${family.name}_sum${labelSet(labels)} ${formatValue(histogram.sum)}`);
      lines.push(`${family.name}_count${labelSet(labels)} ${histogram.count}`);
    }
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

/** `{a="1",b="2"}`, or nothing without labels. */
function labelSet(labels: Labels): string {
  const pairs: string[] = [];
  for (const name in labels) pairs.push(`${name}="${escapeLabelValue(labels[name])}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

/** A label value as the format writes it: `\` → `\\`, `"` → `\"`, line feed → `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : "\\" + c);
}

/** A help text as the format writes it: `\` → `\\`, line feed → `\n`. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

/** A sample value: integers as such, and `+Inf`, `-Inf`, `NaN` as the format spells them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
