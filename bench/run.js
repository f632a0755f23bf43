/**
 * Runs every benchmark group in a process of its own (so that one group's JIT state, heap and
 * async hooks cannot leak into another), prints the table and writes bench/results.json.
 * Usage: npm run bench (builds first; the benchmarks import the built package by its name).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './harness.js';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

function runGroup(file, nodeFlags = []) {
  process.stderr.write(`${file}\n`);
  const out = execFileSync(process.execPath, [...nodeFlags, here(file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const started = Date.now();
const dispatch = runGroup('dispatch.js');
const propagate = runGroup('propagate.js');
const bootstrap = runGroup('bootstrap.js');
const heap = runGroup('heap.js', ['--expose-gc']);
const anatomy = runGroup('anatomy.js');
const remote = runGroup('remote.js');
const queue = runGroup('queue.js');
const tracing = runGroup('tracing.js');
const events = runGroup('events.js');
const cache = runGroup('cache.js');
const eventsRemote = runGroup('events-remote.js');

/** Nanoseconds each pass-through middleware adds: median over rounds of (10 layers - none) / 10. */
function perMiddleware(cases) {
  const none = cases['lite standalone'].rounds;
  const ten = cases['lite + 10 middleware'].rounds;
  return median(ten.map((t, i) => (t - none[i]) / 10));
}

const fmt = (n, digits = 0) => n.toFixed(digits);
const x = (r) => `${r.toFixed(2)}×`;
const lines = [];
const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);

row(
  'Dispatch (one message, async handler)',
  'commands ns',
  'commands × direct',
  'queries ns',
  'queries × direct',
);
row('---', '---:', '---:', '---:', '---:');
const names = Object.keys(dispatch.commands);
for (const name of names) {
  const c = dispatch.commands[name];
  const q = dispatch.queries[name] ?? dispatch.queries[name.replace('CommandBus', 'QueryBus')];
  row(
    name.replace('CommandBus.execute', 'Command/QueryBus.execute'),
    fmt(c.ns),
    x(c.ratio),
    fmt(q.ns),
    x(q.ratio),
  );
}
for (const name of ['direct', 'lite standalone', 'lite, propagateContext: true']) {
  const c = propagate.commands[name];
  const q = propagate.queries[name];
  row(`[promise hooks on] ${name}`, fmt(c.ns), x(c.ratio), fmt(q.ns), x(q.ratio));
}
const mwCommand = perMiddleware(dispatch.commands);
const mwQuery = perMiddleware(dispatch.queries);
row('each pass-through middleware adds (ns)', fmt(mwCommand, 1), '', fmt(mwQuery, 1), '');
lines.push('');
row(
  'Bootstrap (create + init + close)',
  'nestjs-cqrs-lite ms',
  '@nestjs/cqrs ms',
  'plain Nest ms',
  'lite / @nestjs/cqrs',
  'added by lite / added by @nestjs/cqrs',
);
row('---', '---:', '---:', '---:', '---:', '---:');
for (const [count, b] of Object.entries(bootstrap)) {
  row(
    `${Number(count).toLocaleString('en-US')} handlers`,
    fmt(b.liteMs, 1),
    fmt(b.nestMs, 1),
    fmt(b.plainMs, 1),
    x(b.ratio),
    x(b.overheadRatio),
  );
}
lines.push('');
lines.push(
  `Heap growth over ${heap.dispatches.toLocaleString('en-US')} dispatches through ${heap.middleware} middleware: ` +
    `${heap.growthBytes.map((b) => `${fmt(b / 1024, 1)} KiB`).join(', ')} (median ${fmt(heap.medianGrowthBytes / 1024, 1)} KiB)`,
);

const c = dispatch.commands;
const q = dispatch.queries;
const module = 'lite module (forRoot defaults)';
const targets = [
  ['command dispatch via module ≤ 1.3× direct', c[module].ratio, c[module].ratio <= 1.3, x(c[module].ratio)],
  [
    'command dispatch via module ≥ 2× faster than @nestjs/cqrs',
    c['@nestjs/cqrs CommandBus.execute'].ratio / c[module].ratio,
    c['@nestjs/cqrs CommandBus.execute'].ratio / c[module].ratio >= 2,
    `${x(c['@nestjs/cqrs CommandBus.execute'].ratio / c[module].ratio)} faster`,
  ],
  ['query ask via module ≤ 1.3× direct', q[module].ratio, q[module].ratio <= 1.3, x(q[module].ratio)],
  [
    'query ask via module ≥ 2× faster than @nestjs/cqrs',
    q['@nestjs/cqrs QueryBus.execute'].ratio / q[module].ratio,
    q['@nestjs/cqrs QueryBus.execute'].ratio / q[module].ratio >= 2,
    `${x(q['@nestjs/cqrs QueryBus.execute'].ratio / q[module].ratio)} faster`,
  ],
  [
    'each pass-through middleware ≤ 15 ns',
    Math.max(mwCommand, mwQuery),
    Math.max(mwCommand, mwQuery) <= 15,
    `${fmt(mwCommand, 1)} / ${fmt(mwQuery, 1)} ns`,
  ],
  [
    '3 middleware faster than @nestjs/cqrs with none (commands)',
    c['lite + 3 middleware'].ratio,
    c['lite + 3 middleware'].ratio < c['@nestjs/cqrs CommandBus.execute'].ratio,
    `${x(c['lite + 3 middleware'].ratio)} vs ${x(c['@nestjs/cqrs CommandBus.execute'].ratio)}`,
  ],
  [
    '3 middleware faster than @nestjs/cqrs with none (queries)',
    q['lite + 3 middleware'].ratio,
    q['lite + 3 middleware'].ratio < q['@nestjs/cqrs QueryBus.execute'].ratio,
    `${x(q['lite + 3 middleware'].ratio)} vs ${x(q['@nestjs/cqrs QueryBus.execute'].ratio)}`,
  ],
  [
    'bootstrap with 5,000 handlers ≤ 0.5× @nestjs/cqrs',
    bootstrap[5000].ratio,
    bootstrap[5000].ratio <= 0.5,
    x(bootstrap[5000].ratio),
  ],
  [
    'bootstrap with 5,000 handlers: time added to plain Nest ≤ 0.5× what @nestjs/cqrs adds',
    bootstrap[5000].overheadRatio,
    bootstrap[5000].overheadRatio <= 0.5,
    x(bootstrap[5000].overheadRatio),
  ],
  [
    'heap growth over 1,000,000 dispatches < 1 MB',
    heap.medianGrowthBytes,
    heap.medianGrowthBytes < 1024 * 1024,
    `${fmt(heap.medianGrowthBytes / 1024, 1)} KiB`,
  ],
];
lines.push('');
row('Cost anatomy (async query handler)', 'ns', '× direct', 'added ns');
row('---', '---:', '---:', '---:');
for (const [name, c] of Object.entries(anatomy)) {
  row(name, fmt(c.ns), x(c.ratio), fmt(c.ns - anatomy.direct.ns));
}
lines.push('');
if (remote.skipped) {
  lines.push(`Remote round trip over NATS: skipped (${remote.skipped}).`);
} else {
  row('Remote round trip over NATS (one message)', 'µs', '× raw ClientProxy.send()', 'added µs');
  row('---', '---:', '---:', '---:');
  for (const kind of ['queries', 'commands']) {
    const raw = remote[kind]['raw ClientProxy.send()'];
    for (const [name, c] of Object.entries(remote[kind])) {
      row(
        `${kind}: ${name}`,
        fmt(c.ns / 1000, 1),
        x(c.ratio),
        name.startsWith('raw') ? '' : fmt((c.ns - raw.ns) / 1000, 1),
      );
    }
  }
  for (const [kind, name] of [
    ['queries', 'lite queryBus.ask() (remote)'],
    ['commands', 'lite commandBus.dispatch() (remote)'],
  ]) {
    const ratio = remote[kind][name].ratio;
    targets.push([
      `remote ${kind}: our overhead ≤ 20% of a raw ClientProxy.send() round trip`,
      ratio,
      ratio <= 1.2,
      x(ratio),
    ]);
  }
  lines.push('');
}
if (queue.skipped) {
  lines.push(`Durable commands over BullMQ: skipped (${queue.skipped}).`);
} else {
  row('Durable command over BullMQ (one dispatch)', 'µs', '× raw BullMQ', 'added µs');
  row('---', '---:', '---:', '---:');
  for (const kind of ['accepted', 'completed']) {
    const cases = Object.entries(queue[kind]);
    const raw = cases[0][1];
    for (const [name, c] of cases) {
      row(name, fmt(c.ns / 1000, 1), x(c.ratio), c === raw ? '' : fmt((c.ns - raw.ns) / 1000, 1));
    }
  }
  lines.push('');
}
const NEST_PUBLISH = '@nestjs/cqrs EventBus.publish, until its handlers finished';
row('Event publish (async handlers, until all finished)', 'ns', '× direct', '@nestjs/cqrs ÷ this');
row('---', '---:', '---:', '---:');
for (const [fanOut, cases] of Object.entries(events.events)) {
  for (const [name, c] of Object.entries(cases)) {
    row(`${fanOut}: ${name}`, fmt(c.ns), x(c.ratio), x(cases[NEST_PUBLISH].ns / c.ns));
  }
}
lines.push('');
row('One dispatch site, commands', 'ns', '× direct, 1 class');
row('---', '---:', '---:');
for (const [name, c] of Object.entries(events.polymorphic)) row(name, fmt(c.ns), x(c.ratio));
lines.push('');
{
  const three = events.events['3 handlers'];
  const faster = three[NEST_PUBLISH].ratio / three['lite module (forRoot defaults)'].ratio;
  targets.push([
    'publish to 3 handlers via module ≥ 5× faster than @nestjs/cqrs',
    faster,
    faster >= 5,
    `${x(faster)} faster`,
  ]);
}
if (eventsRemote.skipped) {
  lines.push(`Events across services: skipped (${eventsRemote.skipped}).`);
} else {
  row('Events across services (one event, other process)', 'µs', '× raw engine', 'added µs');
  row('---', '---:', '---:', '---:');
  for (const [group, cases] of [
    ['NATS fan-out, publish → handler', eventsRemote.fanOut],
    ['JetStream, publish → stored', eventsRemote.stored],
    ['JetStream, publish → handler', eventsRemote.handled],
  ]) {
    const baseline = Object.values(cases)[0];
    for (const [name, c] of Object.entries(cases)) {
      row(
        `${group}: ${name}`,
        fmt(c.ns / 1000, 1),
        x(c.ratio),
        c === baseline ? '' : fmt((c.ns - baseline.ns) / 1000, 1),
      );
    }
  }
  lines.push('');
}
row(
  'Tracing (module, real SDK; async handler)',
  'commands ns',
  'commands × off',
  'queries ns',
  'queries × off',
);
row('---', '---:', '---:', '---:', '---:');
for (const name of ['direct', 'tracing off', 'tracing on']) {
  const c = tracing.commands[name];
  const q = tracing.queries[name];
  const off = (cases) => cases['tracing off'].ns;
  row(name, fmt(c.ns), x(c.ns / off(tracing.commands)), fmt(q.ns), x(q.ns / off(tracing.queries)));
}
row(
  'tracing on adds (ns, × off per round)',
  fmt(tracing.cost.commands.addedNs),
  x(tracing.cost.commands.ratio),
  fmt(tracing.cost.queries.addedNs),
  x(tracing.cost.queries.ratio),
);
lines.push('');
row('Query caching (module, in-memory store)', 'ns', '× first case');
row('---', '---:', '---:');
for (const [group, cases] of [
  ['SQLite read', cache.reads],
  ['no work', cache.hitPath],
  ['commands', cache.commands],
]) {
  for (const [name, c] of Object.entries(cases)) row(`${group}: ${name}`, fmt(c.ns), x(c.ratio));
}
row('a hit adds to an uncached ask (ns)', fmt(cache.hitOverheadNs), '');
row('cache on adds to a command that invalidates nothing (ns)', fmt(cache.invalidationStepNs), '');
lines.push('');
row('Target', 'measured', 'met');
row('---', '---:', '---');
for (const [name, , met, shown] of targets) row(name, shown, met ? 'met' : 'NOT met');

const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  nproc: availableParallelism(),
  platform: `${process.platform} ${process.arch}`,
};
console.log(lines.join('\n'));
console.log(
  `\n${machine.nproc} × ${machine.cpu}, Node ${machine.node}; ${fmt((Date.now() - started) / 1000)} s`,
);

writeFileSync(
  here('results.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine,
      dispatch,
      propagate,
      perMiddlewareNs: { commands: mwCommand, queries: mwQuery },
      bootstrap,
      heap,
      anatomy,
      remote,
      queue,
      tracing,
      events,
      cache,
      eventsRemote,
      targets: targets.map(([name, value, met]) => ({ name, value, met })),
    },
    null,
    2,
  )}\n`,
);
