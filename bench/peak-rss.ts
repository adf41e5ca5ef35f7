import { appendFileSync, readFileSync } from 'node:fs';

/**
 * Preloaded with `node --require dist/bench/peak-rss.js`: at exit, appends this process's peak
 * resident memory (VmHWM, KiB) to the file named by PEAK_RSS_FILE.
 */
const target = process.env.PEAK_RSS_FILE;
if (target) {
  process.on('exit', () => {
    const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    appendFileSync(target, `${peak}\n`);
  });
}
