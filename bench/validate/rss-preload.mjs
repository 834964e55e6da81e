// Loaded with `node --import` into each benchmark child: records the process's own peak RSS and CPU time when it
// exits.
import { writeFileSync } from 'node:fs';

const file = process.env.LORAKIT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRSS: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }));
  });
}
