// The sound of a call ringing in an open tab, made here (no audio file to fetch or ship): a soft
// two-note chime every three seconds until the call is answered, declined or given up.

const NOTES: [number, number][] = [
  [659.25, 0], // E5
  [523.25, 0.32], // C5
];
const EVERY_S = 3;

/** Starts ringing; returns what stops it. Silent where the page may not play sound yet
 * (browsers allow audio only after the person interacted with the page). */
export function startRingtone(): () => void {
  const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx || !navigator.userActivation?.hasBeenActive) return () => undefined;
  let ctx: AudioContext;
  try {
    ctx = new Ctx();
  } catch {
    return () => undefined;
  }
  const chime = () => {
    const start = ctx.currentTime + 0.05;
    for (const [freq, at] of NOTES) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      // A quick attack and a bell-like decay, never loud.
      gain.gain.setValueAtTime(0, start + at);
      gain.gain.linearRampToValueAtTime(0.18, start + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, start + at + 0.6);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + at);
      osc.stop(start + at + 0.65);
    }
  };
  chime();
  const timer = setInterval(chime, EVERY_S * 1000);
  return () => {
    clearInterval(timer);
    void ctx.close().catch(() => undefined);
  };
}
