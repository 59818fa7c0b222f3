// The drawing pad: strokes kept as vectors in pad coordinates (0..1, so the
// drawing survives resizes and theme changes), undo/redo over whole strokes,
// pointer input (mouse, touch, pen) and keyboard input, rendering on a canvas
// whose backing store follows its CSS size and the device pixel ratio.

/** Pen width relative to the pad's side: about MNIST's stroke for a digit filling most of the pad. */
export const PEN_WIDTH = 0.075;
const MAX_PIXEL_RATIO = 2;
const KEY_STEP = 0.02; // arrow keys move the pen this far; with Shift, 3x
const MIN_SIDE = 140;

export class Pad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} hooks
   * @param {() => void} hooks.onChange  the drawing changed (called at most once per frame)
   * @param {() => void} hooks.onStrokeEnd  a stroke was finished
   * @param {HTMLElement} [hooks.cursor]  element shown as the pen while drawing with the keyboard
   */
  constructor(canvas, { onChange, onStrokeEnd, cursor }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.strokes = []; // each: array of [x, y] in 0..1
    this.past = []; // undo: earlier values of this.strokes
    this.future = []; // redo
    this.active = null; // the stroke being drawn
    this.pointerId = null;
    this.key = { x: 0.5, y: 0.5, down: false };
    this.cursor = cursor;
    this.onChange = onChange;
    this.onStrokeEnd = onStrokeEnd;
    this.frame = 0;
    this.colors = { paper: '#fff', ink: '#000' };

    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    canvas.addEventListener('keydown', (e) => this.#key(e));
    canvas.addEventListener('focus', () => this.#showCursor(canvas.matches(':focus-visible')));
    canvas.addEventListener('blur', () => {
      this.#keyPen(false);
      this.#showCursor(false);
    });
    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#resize();
  }

  get isEmpty() {
    return this.strokes.length === 0 && !this.active;
  }
  get canUndo() {
    return this.past.length > 0;
  }
  get canRedo() {
    return this.future.length > 0;
  }

  /** Sets paper and ink colors (CSS colors) and redraws. */
  setColors(colors) {
    this.colors = colors;
    this.render();
  }

  undo() {
    if (!this.canUndo) return;
    this.#cancelActive();
    this.future.push(this.strokes);
    this.strokes = this.past.pop();
    this.#changed(true);
  }

  redo() {
    if (!this.canRedo) return;
    this.#cancelActive();
    this.past.push(this.strokes);
    this.strokes = this.future.pop();
    this.#changed(true);
  }

  /** Clears the drawing; undo brings it back. */
  clear() {
    this.#cancelActive();
    if (this.strokes.length) this.#commit([]);
    this.#changed(true);
  }

  /** Pixels of the current drawing (RGBA ImageData of the backing store). */
  pixels() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Redraws every stroke; smooth curves through the midpoints of the samples. */
  render() {
    const { ctx, canvas } = this;
    const side = canvas.width;
    ctx.fillStyle = this.colors.paper;
    ctx.fillRect(0, 0, side, canvas.height);
    ctx.strokeStyle = ctx.fillStyle = this.colors.ink;
    ctx.lineWidth = PEN_WIDTH * side;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const all = this.active ? [...this.strokes, this.active] : this.strokes;
    for (const s of all) {
      const p = s.map(([x, y]) => [x * side, y * canvas.height]);
      ctx.beginPath();
      if (p.length === 1) {
        ctx.arc(p[0][0], p[0][1], ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(p[0][0], p[0][1]);
      for (let i = 1; i < p.length - 1; i++) {
        ctx.quadraticCurveTo(p[i][0], p[i][1], (p[i][0] + p[i + 1][0]) / 2, (p[i][1] + p[i + 1][1]) / 2);
      }
      ctx.lineTo(p[p.length - 1][0], p[p.length - 1][1]);
      ctx.stroke();
    }
  }

  // --- state -------------------------------------------------------------------

  #commit(strokes) {
    this.past.push(this.strokes);
    this.strokes = strokes;
    this.future = [];
  }

  #cancelActive() {
    if (this.active && this.pointerId !== null) this.canvas.releasePointerCapture?.(this.pointerId);
    this.active = null;
    this.pointerId = null;
    this.key.down = false;
  }

  #begin(point) {
    this.active = [point];
    this.#changed(false);
  }

  #extend(point) {
    const last = this.active[this.active.length - 1];
    // Skip samples closer than ~1/2 px: they only add curve segments.
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) * this.canvas.width < 0.5) return;
    this.active.push(point);
    this.#changed(false);
  }

  #end() {
    if (!this.active) return;
    const stroke = this.active;
    this.active = null;
    this.#commit([...this.strokes, stroke]);
    this.render();
    this.onStrokeEnd();
  }

  // Redraws and notifies at most once per animation frame; `now` does it at once.
  #changed(now) {
    if (now) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      this.render();
      this.onChange();
      return;
    }
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
      this.onChange();
    });
  }

  #resize() {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
    const side = Math.max(MIN_SIDE, Math.round(rect.width * ratio));
    if (side === this.canvas.width && side === this.canvas.height) return;
    this.canvas.width = this.canvas.height = side;
    this.render();
  }

  // --- pointer input -------------------------------------------------------------

  #point(e) {
    const rect = this.canvas.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return [clamp((e.clientX - rect.left) / rect.width), clamp((e.clientY - rect.top) / rect.height)];
  }

  #down(e) {
    if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    this.#keyPen(false);
    this.#showCursor(false);
    this.canvas.setPointerCapture(e.pointerId);
    this.pointerId = e.pointerId;
    this.#begin(this.#point(e));
  }

  #move(e) {
    if (e.pointerId !== this.pointerId || !this.active) return;
    e.preventDefault();
    // Pens and fast fingers deliver several samples per frame.
    const events = e.getCoalescedEvents?.() ?? [];
    for (const c of events.length ? events : [e]) this.#extend(this.#point(c));
  }

  #up(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    if (e.type === 'pointerup') this.#extend(this.#point(e));
    this.#end();
  }

  // --- keyboard input ---------------------------------------------------------
  // Arrows move the pen (Shift: bigger steps); Space or Enter puts it down or
  // lifts it; Escape lifts it. A lifted pen moves without drawing.

  #key(e) {
    const step = KEY_STEP * (e.shiftKey ? 3 : 1);
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (moves[e.key]) {
      e.preventDefault();
      const k = this.key;
      k.x = Math.min(1, Math.max(0, k.x + moves[e.key][0]));
      k.y = Math.min(1, Math.max(0, k.y + moves[e.key][1]));
      if (k.down) this.#extend([k.x, k.y]);
      this.#showCursor(true);
    } else if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      this.#keyPen(!this.key.down);
      this.#showCursor(true);
    } else if (e.key === 'Escape') {
      this.#keyPen(false);
      this.#showCursor(true);
    }
  }

  #keyPen(down) {
    const k = this.key;
    if (down === k.down) return;
    k.down = down;
    if (down) {
      this.#begin([k.x, k.y]);
    } else if (this.active && this.pointerId === null) {
      this.#end();
    }
  }

  #showCursor(visible) {
    const c = this.cursor;
    if (!c) return;
    c.hidden = !visible;
    c.classList.toggle('down', this.key.down);
    c.style.left = `${100 * this.key.x}%`;
    c.style.top = `${100 * this.key.y}%`;
  }
}
