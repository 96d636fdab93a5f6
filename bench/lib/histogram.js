'use strict';
/** Latency histogram (microseconds) over hdr-histogram-js, and its summary in milliseconds. */
const hdr = require('hdr-histogram-js');

const HIGHEST_TRACKABLE_US = 120_000_000; // two minutes: nothing in a bench run waits longer

function createLatencyHistogram() {
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

function recordMicros(histogram, micros) {
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(micros))));
}

function toMs(micros) {
  return Math.round(micros) / 1000;
}

/** count, mean and percentiles in ms (p50, p90, p99, p99.9, max). */
function summarizeHistogram(histogram) {
  if (histogram.totalCount === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  return {
    count: histogram.totalCount,
    mean: toMs(histogram.mean),
    p50: toMs(histogram.getValueAtPercentile(50)),
    p90: toMs(histogram.getValueAtPercentile(90)),
    p99: toMs(histogram.getValueAtPercentile(99)),
    p999: toMs(histogram.getValueAtPercentile(99.9)),
    max: toMs(histogram.maxValue),
  };
}

module.exports = { createLatencyHistogram, recordMicros, summarizeHistogram };
