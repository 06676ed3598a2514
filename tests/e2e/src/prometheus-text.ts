import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { request } from 'undici';

/** One series of a family, as parse-prometheus-text-format gives it (numbers as strings). */
export interface Sample {
  labels?: Record<string, string>;
  value?: string;
}
export interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

const HISTOGRAM_TYPE_LINE = /^# TYPE (\S+) histogram$/gm;

/**
 * GET a /metrics URL and parse its Prometheus text with parse-prometheus-text-format; families by
 * name. That parser folds a histogram with labels into one unlabelled sample (it knows only
 * unlabelled ones), so histograms are read as untyped: `<name>_bucket`, `<name>_count` and
 * `<name>_sum` come out as families of their own with every label (joined across series), and
 * `<name>` (type HISTOGRAM) holds no sample.
 */
export async function scrape(url: string): Promise<{ status: number; contentType: string; families: Map<string, Family> }> {
  const response = await request(url);
  const text = await response.body.text();
  const families = new Map<string, Family>();
  if (response.statusCode === 200) {
    const histograms = [...text.matchAll(HISTOGRAM_TYPE_LINE)].map((match) => match[1]);
    for (const family of parsePrometheusTextFormat(text.replace(HISTOGRAM_TYPE_LINE, '# TYPE $1 untyped'))) {
      // A histogram's series come one after another (bucket, sum, count, then the next): join them.
      const seen = families.get(family.name);
      if (seen) seen.metrics.push(...family.metrics);
      else families.set(family.name, histograms.includes(family.name) ? { ...family, type: 'HISTOGRAM' } : family);
    }
  }
  return { status: response.statusCode, contentType: String(response.headers['content-type']), families };
}

/** The sample of `family` whose labels include `labels` (undefined: none). */
export function sampleOf(families: Map<string, Family>, family: string, labels: Record<string, string> = {}) {
  return families
    .get(family)
    ?.metrics.find((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
}

/** A sample's value (a histogram's: its count) as a number; NaN when the series is missing. */
export function seriesValue(families: Map<string, Family>, family: string, labels: Record<string, string> = {}): number {
  const name = families.get(family)?.type === 'HISTOGRAM' ? `${family}_count` : family;
  return Number(sampleOf(families, name, labels)?.value ?? Number.NaN);
}
