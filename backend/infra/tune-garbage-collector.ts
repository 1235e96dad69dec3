import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for this process. V8 watches which allocation
 * sites make objects that survive young-generation collections and, once a site's objects
 * mostly survive, has it allocate straight into the old generation from then on. Under a burst
 * (a few hundred messages a second, with sends waiting on the store) the server's per-event
 * objects live long enough to trip that, and the decision sticks: an object allocated in the
 * old generation leaves V8 no sign that it now dies young. After the burst the same code paths
 * fill the old generation with short-lived objects, and full collections land in the middle of
 * latency-sensitive traffic. In `npm run bench`, the `typing` relay's p99 after the message
 * points is 1.8–3.1x bare Socket.IO's with pretenuring and 1.0–1.4x without, at the same CPU
 * per message (docs/benchmarks.md, "Relay after a burst").
 *
 * Set at start-up, before the servers take traffic: the flag is read as objects are allocated
 * and collected, so the code that runs later follows it. Node refuses it in NODE_OPTIONS, and
 * setting it here covers every way the server is started: pm2, the container, `npm start`, and
 * the tests' and the bench's server processes.
 */
export function tuneGarbageCollector(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
