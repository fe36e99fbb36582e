/**
 * Pieces of the Prometheus text exposition format 0.0.4: escaping, sample values and sample
 * lines. https://prometheus.io/docs/instrumenting/exposition_formats/
 */

/** The `Content-Type` of a `/metrics` response. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Metric and label names the format admits. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True if `name` is a valid metric name. */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** True if `name` is a valid label name; names starting with `__` are reserved. */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}

/** A `# HELP` text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it: `+Inf`, `-Inf`, `NaN` or a decimal. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `name{a="x",b="y"} value`; without labels, `name value`. */
export function sampleLine(
  name: string,
  labels: readonly (readonly [string, string])[],
  value: number,
): string {
  const body =
    labels.length === 0
      ? ''
      : `{${labels.map(([label, text]) => `${label}="${escapeLabelValue(text)}"`).join(',')}}`;
  return `${name}${body} ${formatSampleValue(value)}`;
}
