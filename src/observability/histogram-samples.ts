// The samples of one Prometheus histogram series, in the shape prom-client's registry renders from any
// registered metric's `get()`: a cumulative `_bucket` per bound (`le` first, as prom-client writes it),
// `+Inf`, `_sum` and `_count`. Shared by the histograms rollcall keeps itself instead of prom-client's
// (request durations, event-loop delay).

/** One exported sample. */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** What prom-client's registry reads from a registered metric. */
export interface MetricSnapshot {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: Sample[];
}

/** `cumulative[i]` counts the observations of at most `bounds[i]`; appends the series' samples to `into`. */
export function pushHistogramSeries(
  into: Sample[],
  name: string,
  labels: Record<string, string>,
  series: { bounds: readonly number[]; cumulative: ArrayLike<number>; sum: number; count: number },
): void {
  const bucketName = `${name}_bucket`;
  series.bounds.forEach((bound, i) =>
    into.push({ labels: { le: bound, ...labels }, value: series.cumulative[i]!, metricName: bucketName }),
  );
  into.push({ labels: { le: '+Inf', ...labels }, value: series.count, metricName: bucketName });
  into.push({ labels: { ...labels }, value: series.sum, metricName: `${name}_sum` });
  into.push({ labels: { ...labels }, value: series.count, metricName: `${name}_count` });
}
