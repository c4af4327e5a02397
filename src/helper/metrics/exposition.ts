// The Prometheus text exposition format, version 0.0.4: what Prometheus scrapes and what node_exporter's
// textfile collector reads (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
//   # HELP name text          (backslash and newline escaped as \\ and \n)
//   # TYPE name gauge|counter
//   name{label="value",...} 1
//
// Label values must be valid UTF-8 with `\`, `"` and newline escaped. A mountpoint may hold any byte but
// NUL, so each value first goes through escapeForDisplay, the escaping the syslog lines use: control
// characters, a backslash, bidi controls and bytes that are not UTF-8 become the kernel's `\ooo`
// (`\012` for a newline). That makes every value printable and valid UTF-8 (Prometheus rejects a scrape
// with invalid UTF-8 in a label value), keeps two different paths two different series (the mapping is
// lossless: unescapeOctal undoes it), and shows a path exactly as the log names it. Then the format's
// own escaping: a path `/mnt/a"b\c` is exported as `mountpoint="/mnt/a\"b\\134c"`, i.e. the label value
// `/mnt/a"b\134c`.
import { escapeForDisplay } from '../../common/mount-table/escapes.js';

export type MetricType = 'gauge' | 'counter';

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** Each the text after the metric name: `{a="x",b="y"} 1`, or ` 1` without labels (see sample()). */
  samples: readonly string[];
}

/** A label value as exported: display-escaped (see the file comment), then escaped for the format. */
export function labelValue(text: string): string {
  const shown = escapeForDisplay(text);
  return /[\\"\n]/.test(shown) ? shown.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c)) : shown;
}

/** `name="value"`, the value escaped; join several with ",". Built once per mount and reused per series. */
export function label(name: string, value: string): string {
  return `${name}="${labelValue(value)}"`;
}

/** One sample of a family: labels as label() built them ("" for none), and the value. */
export function sample(labels: string, value: number): string {
  return labels === '' ? ` ${formatValue(value)}` : `{${labels}} ${formatValue(value)}`;
}

/** A sample value: Go's strconv.ParseFloat reads what Number#toString writes, plus +Inf, -Inf and NaN. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function helpText(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** The families as one exposition text; families without samples are left out. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${helpText(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += f.name + s + '\n';
  }
  return out;
}
