/**
 * The drawing pad: a large canvas the student draws on with a mouse, pen or
 * finger (white ink on black, as Fashion-MNIST's garments are light on a
 * dark background), read back as the 28×28 grey image the network sees.
 */

/** Pixels of the 28×28 image, uint8 (0 = background). */
export type Pixels = Uint8Array;

/** Wires drawing on `canvas`; `onChange` gets the 28×28 image after each stroke segment (at most once a frame). */
export function drawingPad(canvas: HTMLCanvasElement, onChange: (pixels: Pixels) => void): { clear(): void; pixels(): Pixels } {
  const ctx = canvas.getContext("2d")!;
  const small = document.createElement("canvas");
  small.width = 28;
  small.height = 28;
  const smallCtx = small.getContext("2d", { willReadFrequently: true })!;
  let last: { x: number; y: number } | null = null;
  let pending = false;

  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  const pixels = (): Pixels => {
    smallCtx.imageSmoothingEnabled = true;
    smallCtx.imageSmoothingQuality = "high";
    smallCtx.fillStyle = "#000";
    smallCtx.fillRect(0, 0, 28, 28);
    smallCtx.drawImage(canvas, 0, 0, 28, 28);
    const rgba = smallCtx.getImageData(0, 0, 28, 28).data;
    const out = new Uint8Array(784);
    for (let i = 0; i < 784; i++) out[i] = rgba[4 * i];
    return out;
  };
  const notify = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange(pixels());
    });
  };
  const point = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const strokeTo = (p: { x: number; y: number }) => {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = canvas.width / 11;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo((last ?? p).x, (last ?? p).y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    notify();
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = null;
    strokeTo(point(e));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (last !== null) strokeTo(point(e));
  });
  const end = () => {
    last = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear();
  return { clear, pixels };
}
