/**
 * The measuring core: every comparison runs its cases as tasks of one tinybench `Bench`, several
 * rounds in one process, and reports per case the median over rounds of the task's median
 * latency, plus the median over rounds of its ratio to the baseline measured in the same round.
 * Absolute times drift on a busy machine; ratios taken within one round hold.
 */
import { Bench } from 'tinybench';

/** Operations per tinybench iteration: one sample times a batch, so timer overhead is noise. */
export const BATCH = 256;

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs `cases` (name → task function) interleaved for `rounds` rounds and returns, per case,
 * `{ ns, ratio, ratioMin, ratioMax, rounds }`: the median time per operation in nanoseconds (a task
 * iteration does `batch` operations) and its ratio to `baseline`, and the time per operation of every round.
 */
export async function compare(
  cases,
  { baseline, rounds = 7, time = 150, warmupTime = 60, batch = BATCH, iterations = 32, label = '' },
) {
  const names = Object.keys(cases);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  const ratios = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime, iterations, throws: true });
    // Rotate the order so that no case always runs first (or right after the same neighbour).
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      bench.add(name, cases[name]);
    }
    await bench.run();
    const perOp = {};
    for (const task of bench.tasks) {
      const { result } = task;
      if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
      perOp[task.name] = (result.latency.p50 * 1e6) / batch;
    }
    for (const name of names) {
      times[name].push(perOp[name]);
      ratios[name].push(perOp[name] / perOp[baseline]);
    }
    progress(`${label} round ${round + 1}/${rounds}`);
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        ns: median(times[name]),
        ratio: median(ratios[name]),
        ratioMin: Math.min(...ratios[name]),
        ratioMax: Math.max(...ratios[name]),
        rounds: times[name],
      },
    ]),
  );
}

/** Progress goes to stderr: stdout carries the JSON result of a child process. */
export function progress(text) {
  process.stderr.write(`  ${text}\n`);
}

/** Prints a group's result as JSON on stdout (read by run.js). */
export function emit(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
