/**
 * The bench's progress: a bar with the current step and the time so far on a terminal, one line
 * per step otherwise (CI logs).
 */
import { Presets, SingleBar } from 'cli-progress';

export type Progress = ((step: string) => void) & { stop(): void };

export function progressDisplay(plannedSteps: number): Progress {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  if (!process.stderr.isTTY) {
    return Object.assign((step: string) => process.stderr.write(`[${elapsed()}] ${step}\n`), { stop() {} });
  }
  const bar = new SingleBar(
    {
      format: 'bench {bar} {value}/{total} | {duration_formatted} | {step}',
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  bar.start(plannedSteps, 0, { step: 'starting' });
  let done = -1;
  return Object.assign(
    (step: string) => {
      done++;
      // A step more than planned (the plan is an estimate) grows the bar rather than overflow it.
      if (done >= bar.getTotal()) bar.setTotal(done + 1);
      bar.update(done, { step });
    },
    {
      stop() {
        bar.update(bar.getTotal(), { step: 'done' });
        bar.stop();
      },
    },
  );
}
