// Preload for a whole-process CPU profile of a server under the bench: Node refuses
// --cpu-prof in NODE_OPTIONS, but not --require. The inspector's profiler runs from the first
// line, and the profile is written at exit to $CPUPROF_DIR/<INSTANCE_ID>.cpuprofile (open it
// in Chrome DevTools or speedscope). Usage: docs/benchmarks.md, "Profiling a server".
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.on('exit', () => {
  // the inspector answers in-thread: the callback runs before exit returns
  session.post('Profiler.stop', (err, res) => {
    if (err) return;
    const dir = process.env.CPUPROF_DIR || process.cwd();
    fs.mkdirSync(dir, { recursive: true });
    const name = `${process.env.INSTANCE_ID || process.pid}.cpuprofile`;
    fs.writeFileSync(path.join(dir, name), JSON.stringify(res.profile));
  });
});
