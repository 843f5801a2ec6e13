// How long from a weight change on reviews to the canary's verdict ("consistent with 80/20
// after 150 samples"), on the sandbox: with background sampling at 4 samples/s (2 per stream,
// both streams pooled) and at the tour's default 4/s per stream, and with a burst of samples
// taken at once (as the stage does when it applies). Next to it, the docs' way, refreshing the
// page, estimated from the samples the same verdict needs. Weights alternate between rounds.
//   npm run bench:canary [-- --rounds 3]
import { openSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { TourRunner } from "../source/engine/runner.ts";
import { TourSession } from "../source/engine/tourSession.ts";
import { binomialPower, MIN_SAMPLES } from "../source/model/splitVerdict.ts";
import { STREAMS } from "../source/model/streams.ts";
import { lessonRouting } from "../source/tutorial/routing/sequence.ts";
import { canary50, canaryVerdicts } from "../source/tutorial/stages/canary50.ts";

const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
/** What the docs' reader does: load the page, look at the stars, refresh. */
const SECONDS_PER_REFRESH = 2;
const WEIGHTS = [
  { v1: 80, v3: 20 },
  { v1: 50, v3: 50 },
  { v1: 90, v3: 10 },
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

interface Mode {
  name: string;
  /** Background samples per second in each stream (0: none). */
  perStream: number;
  /** Samples per stream taken at once after the change. */
  burst: number;
}

const MODES: Mode[] = [
  { name: "4 samples/s (2 per stream)", perStream: 2, burst: 0 },
  { name: "8 samples/s (the tour's --rate 4, per stream)", perStream: 4, burst: 0 },
  {
    name: `burst (${Math.ceil(MIN_SAMPLES / 2) + 5} per stream at once, 4 in flight each)`,
    perStream: 0,
    burst: Math.ceil(MIN_SAMPLES / 2) + 5,
  },
];

async function main(): Promise<void> {
  const env = await openSandbox({ speed: 50 });
  const rows: { mode: string; seconds: number[]; samples: number[] }[] = [];
  try {
    // The first lesson once, so reviews has its subsets and routing to change.
    const setup = await TourSession.open({ kubeconfig: env.kubeconfig, namespace: "canary", sampleRate: 5 });
    await setup.start();
    const outcome = (await new TourRunner(setup).runTo("route-v1")).at(-1);
    if (outcome?.state !== "done") throw new Error(`route-v1 did not get done: ${outcome?.check.detail}`);
    await setup.stop();

    let round = 0;
    for (const mode of MODES) {
      const session = await TourSession.open({
        kubeconfig: env.kubeconfig,
        namespace: "canary",
        sampleRate: mode.perStream,
      });
      await session.start();
      const seconds: number[] = [];
      const samples: number[] = [];
      try {
        for (let i = 0; i < ROUNDS; i++) {
          const weights = WEIGHTS[round++ % WEIGHTS.length]!;
          const changed = Date.now();
          await canary50.apply({
            actions: session.actions(),
            snapshot: () => session.snapshot(),
            parameters: { weights },
          });
          if (mode.burst > 0) {
            await session.waitFor((s) => s.routingChangedAt >= changed, 2_000);
            void session.burst(mode.burst, [...STREAMS]);
          }
          const verdict = await session.waitFor((s) => canary50.check(s).state === "done", 180_000);
          if (!verdict)
            throw new Error(`no verdict for ${weights.v1}/${weights.v3} within 180 s (${mode.name})`);
          seconds.push((Date.now() - changed) / 1000);
          const [first] = canaryVerdicts(verdict, lessonRouting(verdict));
          samples.push(first?.verdict.samples ?? Number.NaN);
          console.error(
            `  ${mode.name}: ${weights.v1}/${weights.v3} ${canary50.check(verdict).detail} in ${seconds.at(-1)!.toFixed(1)} s`,
          );
        }
      } finally {
        await session.stop();
      }
      rows.push({ mode: mode.name, seconds, samples });
    }
  } finally {
    await env.close();
  }

  const docs = MIN_SAMPLES * SECONDS_PER_REFRESH;
  const fifteen = binomialPower(15, 0.5, 0.7);
  console.log(
    `\nFrom a weight change to the canary's verdict (exact binomial test, 99 % confidence, ${MIN_SAMPLES} samples), median of ${ROUNDS}:`,
  );
  console.log("how                                                          verdict after   samples");
  for (const row of rows) {
    console.log(
      `${row.mode.padEnd(60)} ${`${median(row.seconds).toFixed(1)} s`.padStart(12)}   ${String(median(row.samples)).padStart(7)}`,
    );
  }
  console.log(
    `${`the docs' way: refreshing the page, one look per ${SECONDS_PER_REFRESH} s`.padEnd(60)} ${`~${docs} s`.padStart(12)}   ${String(MIN_SAMPLES).padStart(7)}`,
  );
  console.log(
    `(the docs' "15 refreshes or more" take ~${15 * SECONDS_PER_REFRESH} s, but tell 70/30 from 50/50 with probability ${fifteen.toFixed(2)} at this confidence)`,
  );
}

await main();
