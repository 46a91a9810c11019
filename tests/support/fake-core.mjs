// A stand-in for electron/core-entry.ts in the supervisor tests: speaks the same
// protocol over the child_process IPC channel and misbehaves on purpose.
// FAKE_CORE_PLAN is a comma list, one behaviour per start (the last repeats);
// FAKE_CORE_COUNTER is a file counting the starts.
import fs from 'node:fs';

const counter = process.env.FAKE_CORE_COUNTER;
const start = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(start));
const plan = process.env.FAKE_CORE_PLAN.split(',');
const behaviour = plan[Math.min(start, plan.length) - 1];

const send = (message) => process.connected && process.send(message);
const heartbeat = setInterval(() => send({ type: 'alive' }), 50);
const ready = () => send({ type: 'ready', url: `http://fake.invalid/${start}` });
console.log(JSON.stringify({ level: 30, time: Date.now(), msg: `fake core ${start}: ${behaviour}` }));

process.on('message', (message) => {
  if (message.type !== 'stop' || behaviour === 'ignore-stop') return;
  console.log('stopping cleanly');
  clearInterval(heartbeat);
  setTimeout(() => process.exit(0), 20);
});

switch (behaviour) {
  case 'run':
  case 'ignore-stop':
    ready();
    break;
  case 'crash':
    ready();
    setTimeout(() => {
      console.error(`boom ${start}`);
      process.exit(3);
    }, 50);
    break;
  case 'crash-at-start':
    console.error(`boom at start ${start}`);
    process.exit(3);
    break;
  case 'refuse':
    send({ type: 'refused', code: 'PORT_IN_USE', message: 'Port 8780 on 127.0.0.1 is already in use.' });
    setTimeout(() => process.exit(2), 20);
    break;
  case 'block':
    ready();
    setTimeout(() => {
      for (;;) {
        // a synchronous loop that never yields: no heartbeat, no message handling
      }
    }, 100);
    break;
  case 'silent':
    // Alive but never says a word (stuck while loading).
    clearInterval(heartbeat);
    setInterval(() => undefined, 1_000);
    break;
  case 'exit-clean':
    ready();
    setTimeout(() => process.exit(0), 50);
    break;
  case 'log-flood':
    send({ type: 'hello?' });
    for (let i = 0; i < 500; i++) console.log(`line ${i}`);
    ready();
    break;
  default:
    throw new Error(`unknown behaviour ${behaviour}`);
}
