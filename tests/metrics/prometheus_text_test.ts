/**
 * The Prometheus text exposition on its own: HELP/TYPE lines, label escaping, histograms
 * (cumulative buckets, +Inf, _sum, _count), value formatting; and the checks of the `metrics`
 * and `tracing` options.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createEngineServer } from "../../engine.ts";
import { createServer } from "../../mod.ts";
import { Histogram } from "../../src/telemetry/histogram.ts";
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  renderFamilies,
} from "../../src/telemetry/prometheus_text.ts";
import { parsePrometheus, sampleValue } from "./_prometheus.ts";

describe("prometheus text: format", () => {
  it("writes HELP and TYPE before the samples of each family, one line each, ending in \\n", () => {
    const text = renderFamilies([
      {
        name: "x_total",
        help: "Things.",
        type: "counter",
        samples: [{ labels: { a: "1" }, value: 3 }, { labels: { a: "2" }, value: 0 }],
      },
      { name: "y", help: "A gauge.", type: "gauge", samples: [{ labels: {}, value: 1.5 }] },
    ]);
    assert.equal(
      text,
      [
        "# HELP x_total Things.",
        "# TYPE x_total counter",
        'x_total{a="1"} 3',
        'x_total{a="2"} 0',
        "# HELP y A gauge.",
        "# TYPE y gauge",
        "y 1.5",
        "",
      ].join("\n"),
    );
    const parsed = parsePrometheus(text);
    assert.equal(sampleValue(parsed, "x_total", { a: "1" }), 3);
    assert.equal(sampleValue(parsed, "y"), 1.5);
  });

  it("escapes backslash, double quote and line feed in label values, and reads them back", () => {
    const hostile = 'a\\b"c\nd}{,=';
    assert.equal(escapeLabelValue(hostile), 'a\\\\b\\"c\\nd}{,=');
    const text = renderFamilies([{
      name: "z",
      help: "Help with \\ and\na line feed.",
      type: "gauge",
      samples: [{ labels: { namespace: hostile, other: "" }, value: 7 }],
    }]);
    assert.ok(text.includes(String.raw`z{namespace="a\\b\"c\nd}{,=",other=""} 7`), text);
    assert.ok(text.includes(String.raw`# HELP z Help with \\ and\na line feed.`), text);
    const parsed = parsePrometheus(text);
    assert.equal(sampleValue(parsed, "z", { namespace: hostile }), 7);
    assert.equal(parsed.get("z")!.help, "Help with \\ and\na line feed.");
    assert.equal(escapeHelp('say "hi"'), 'say "hi"', "double quotes stay in help texts");
  });

  it("writes histograms as cumulative buckets up to +Inf, then _sum and _count", () => {
    const histogram = new Histogram([0.1, 1]);
    for (const value of [0.05, 0.1, 0.5, 3]) histogram.observe(value);
    const text = renderFamilies([{
      name: "h_seconds",
      help: "Latency.",
      type: "histogram",
      series: [{ labels: { namespace: "/" }, histogram }],
    }]);
    assert.equal(
      text,
      [
        "# HELP h_seconds Latency.",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{namespace="/",le="0.1"} 2',
        'h_seconds_bucket{namespace="/",le="1"} 3',
        'h_seconds_bucket{namespace="/",le="+Inf"} 4',
        'h_seconds_sum{namespace="/"} 3.65',
        'h_seconds_count{namespace="/"} 4',
        "",
      ].join("\n"),
    );
    parsePrometheus(text);
  });

  it("formats special values as the format spells them", () => {
    assert.equal(formatValue(Infinity), "+Inf");
    assert.equal(formatValue(-Infinity), "-Inf");
    assert.equal(formatValue(NaN), "NaN");
    assert.equal(formatValue(42), "42");
    assert.equal(formatValue(0.25), "0.25");
  });

  it("the test's reader rejects what a scraper would", () => {
    const bad = [
      "x 1\n", // no TYPE
      "# TYPE x counter\n# HELP x h\nx 1\n", // counter without _total
      '# HELP x h\n# TYPE x gauge\nx{a="1} 1\n', // unterminated value
      '# HELP x h\n# TYPE x gauge\nx{a="\\t"} 1\n', // bad escape
      '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
      "# HELP x h\n# TYPE x gauge\nx 1", // no final line feed
    ];
    for (const text of bad) assert.throws(() => parsePrometheus(text), text);
  });
});

describe("prometheus text: the metrics and tracing options", () => {
  // deno-lint-ignore no-explicit-any
  const create = (options: any) => () => createServer(options);

  it("metrics: a boolean or { prefix, buckets }", () => {
    assert.throws(
      create({ metrics: "yes" }),
      /^TypeError: createServer: metrics must be a boolean or \{ prefix, buckets \}, got "yes"/,
    );
    assert.throws(
      create({ metrics: { prefix: "9bad" } }),
      /createServer: metrics\.prefix must be a metric name prefix/,
    );
    assert.throws(
      create({ metrics: { prefix: "a-b_" } }),
      /createServer: metrics\.prefix must be a metric name prefix/,
    );
    for (const buckets of [[], [1, 1], [2, 1], [0.1, Infinity], ["1"], "1"]) {
      assert.throws(
        create({ metrics: { buckets } }),
        /createServer: metrics\.buckets must be a non-empty list of increasing finite numbers/,
        JSON.stringify(buckets),
      );
    }
    assert.throws(
      create({ metrics: { prefixes: "x_" } }),
      /createServer: unknown option "metrics\.prefixes"; expected one of prefix, buckets/,
    );
    assert.equal(createServer({ metrics: { prefix: "" } }).metrics.enabled, true);
    assert.equal(createServer({ metrics: false }).metrics.enabled, false);
  });

  it("tracing: a boolean or { tracerProvider }", () => {
    assert.throws(
      create({ tracing: "on" }),
      /createServer: tracing must be a boolean or \{ tracerProvider \}/,
    );
    assert.throws(
      create({ tracing: { tracerProvider: {} } }),
      /createServer: tracing\.tracerProvider must be a TracerProvider \(with getTracer\)/,
    );
  });

  it("createEngineServer takes metrics but not tracing", () => {
    // deno-lint-ignore no-explicit-any
    const engine = (options: any) => () => createEngineServer(options);
    assert.throws(engine({ metrics: 1 }), /^TypeError: createEngineServer: metrics must be/);
    assert.throws(engine({ tracing: true }), /createEngineServer: unknown option "tracing"/);
    assert.equal(createEngineServer({ metrics: true }).metrics.enabled, true);
  });
});
