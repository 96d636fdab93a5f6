'use strict';
/** CPU time used so far by another process (all its threads), from /proc/<pid>/stat; null where unreadable. */
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

function readClockTicksPerSecond() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Returns a reader: () => CPU seconds (user + system) of `pid`, or null when /proc is unavailable. */
function createCpuReader(pid) {
  if (!pid) return () => null;
  const ticksPerSecond = readClockTicksPerSecond();
  return () => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // fields after the parenthesised command name: state is field 3, utime 14, stime 15
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    } catch {
      return null;
    }
  };
}

module.exports = { createCpuReader };

/** Returns a reader: () => busy CPU seconds of the whole machine (all cores), from /proc/stat; null if unreadable. */
function createSystemCpuReader() {
  const ticksPerSecond = readClockTicksPerSecond();
  return () => {
    try {
      const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
      const ticks = line.trim().split(/\s+/).slice(1).map(Number);
      const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest time is inside user)
      const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
      return (total - idle) / ticksPerSecond;
    } catch {
      return null;
    }
  };
}

module.exports.createSystemCpuReader = createSystemCpuReader;
