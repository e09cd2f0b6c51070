// N concurrent Server-Sent Events clients on one job's event stream (bench/job-api.sh, part 4).
// Usage: node bench/sse-clients.mjs API_BASE API_KEY JOB_ID CLIENTS TIMEOUT_SECONDS
// Each client opens GET /v1/fine_tuning/jobs/JOB_ID/events/stream and reads until the stream ends (the job's final
// event) or the timeout. For every progress event carrying the trainer's emission time (data.emitted_at_ms) it records
// now - emitted_at_ms: the delivery delay from the trainer to this client, through Kafka, job-api and its database.
// Prints one JSON line: clients connected, events per client, delivery p50/p99/max in ms.
import http from 'node:http';

const [base, key, jobId, clientsArg, timeoutArg] = process.argv.slice(2);
if (!base || !key || !jobId) {
  console.error('usage: node bench/sse-clients.mjs API_BASE API_KEY JOB_ID [CLIENTS=1000] [TIMEOUT_SECONDS=300]');
  process.exit(2);
}
const clients = Number(clientsArg ?? 1000);
const timeoutMs = Number(timeoutArg ?? 300) * 1000;
const url = new URL(`/v1/fine_tuning/jobs/${jobId}/events/stream`, base);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

const delays = [];
const perClient = new Array(clients).fill(0);
let connected = 0;
let failed = 0;
let ended = 0;

function open(i) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        failed++;
        res.resume();
        resolve();
        return;
      }
      connected++;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        const now = Date.now();
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trimEnd();
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith('data:')) continue;
          try {
            const event = JSON.parse(line.slice(5));
            const emitted = event?.data?.emitted_at_ms;
            if (typeof emitted === 'number') {
              delays.push(now - emitted);
              perClient[i]++;
            }
          } catch {
            // a keep-alive comment or a partial line: not an event
          }
        }
      });
      res.on('end', () => { ended++; resolve(); });
      res.on('error', () => resolve());
    });
    req.on('error', () => { failed++; resolve(); });
    req.setTimeout(timeoutMs, () => { req.destroy(); resolve(); });
  });
}

const started = Date.now();
const all = [];
for (let i = 0; i < clients; i++) {
  all.push(open(i));
}
await Promise.all(all);
delays.sort((a, b) => a - b);
const pct = (p) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor(delays.length * p))] : null);
const counts = perClient.filter((n) => n > 0);
console.log(JSON.stringify({
  clients, connected, failed, ended_by_server: ended, seconds: (Date.now() - started) / 1000,
  deliveries: delays.length,
  events_per_client_min: counts.length ? Math.min(...counts) : 0,
  events_per_client_max: counts.length ? Math.max(...counts) : 0,
  delivery_ms_p50: pct(0.5), delivery_ms_p99: pct(0.99), delivery_ms_max: delays.length ? delays[delays.length - 1] : null,
}));
