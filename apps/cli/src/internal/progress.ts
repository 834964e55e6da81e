import type { CliIo } from '../io.js';
import type { Output } from './output.js';

/** A running count on stderr: a bar on a terminal, a plain line every few seconds otherwise, nothing with --quiet. */
export interface Progress {
  /** Called per record: only bumps a counter; drawing happens on a timer, off the hot path. */
  tick(n?: number): void;
  /** Set the count outright, with an ETA when the caller knows one (the exporter does, from input bytes). */
  update(count: number, etaSeconds?: number): void;
  /** Stop drawing and clear the bar. */
  done(): void;
}

const NONE: Progress = { tick() {}, update() {}, done() {} };

export interface ProgressOptions {
  label: string;
  unit?: string;
}

/** Plain-line progress interval when stderr is not a terminal; LORAKIT_PROGRESS_INTERVAL_MS overrides it (tests). */
function plainInterval(io: CliIo): number {
  const raw = Number(io.env['LORAKIT_PROGRESS_INTERVAL_MS']);
  return Number.isFinite(raw) && raw > 0 ? raw : 10_000;
}

function formatEta(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `ETA ${s}s`;
}

export async function createProgress(io: CliIo, out: Output, options: ProgressOptions): Promise<Progress> {
  if (out.quiet) return NONE;
  const unit = options.unit ?? 'records';
  const started = performance.now();
  let count = 0;
  let eta: number | undefined;
  const rate = () => Math.round(count / Math.max((performance.now() - started) / 1000, 0.001));
  const state = {
    tick(n = 1) {
      count += n;
    },
    update(n: number, etaSeconds?: number) {
      count = n;
      eta = etaSeconds;
    },
  };

  if (out.stderr.isTTY !== true) {
    const timer = setInterval(() => {
      const tail = eta === undefined ? '' : `, ${formatEta(eta)}`;
      out.stderr.write(`${options.label}: ${count} ${unit} (${rate()}/s${tail})\n`);
    }, plainInterval(io));
    timer.unref();
    return { ...state, done: () => clearInterval(timer) };
  }

  // Loaded only when a bar is drawn, so `lorakit --help` and piped runs never pay for it.
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} {value} ${unit} | {rate}/s | {duration_formatted} {remaining}`,
      stream: out.stderr as NodeJS.WritableStream,
      clearOnComplete: true,
      hideCursor: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { rate: 0, remaining: '' });
  const draw = () => bar.update(count, { rate: rate(), remaining: formatEta(eta) });
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    ...state,
    done() {
      clearInterval(timer);
      draw();
      bar.stop();
    },
  };
}
