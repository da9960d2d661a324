// Zoom and pan of an SVG by its viewBox: fit to view, zoom about a point, pan by screen pixels, reveal a box.
import type { Box } from './layout';

export class Viewport {
  private box: Box = { x: 0, y: 0, width: 100, height: 100 };

  constructor(private readonly element: SVGSVGElement, private readonly maxScale = 1.25) {}

  /** screen pixels per graph unit */
  scale(): number {
    const rect = this.element.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return 1;
    return Math.min(rect.width / this.box.width, rect.height / this.box.height);
  }

  private apply(): void {
    const { x, y, width, height } = this.box;
    this.element.setAttribute('viewBox', `${x.toFixed(2)} ${y.toFixed(2)} ${width.toFixed(2)} ${height.toFixed(2)}`);
  }

  /** the whole content in view (or, with acrossOnly, its width, from the top), never magnified beyond maxScale */
  fit(content: Box, margin = 16, acrossOnly = false): void {
    const rect = this.element.getBoundingClientRect();
    const width = content.width + 2 * margin;
    const height = content.height + 2 * margin;
    const pxWidth = rect.width || width;
    const pxHeight = rect.height || height;
    const scale = Math.min(this.maxScale, pxWidth / width, acrossOnly ? Infinity : pxHeight / height);
    const viewWidth = pxWidth / scale;
    const viewHeight = pxHeight / scale;
    this.box = { x: content.x + content.width / 2 - viewWidth / 2, y: content.y - margin, width: viewWidth, height: viewHeight };
    if (viewHeight > height) this.box.y = content.y + content.height / 2 - viewHeight / 2;
    this.apply();
  }

  /** zoom by factor about a point in graph coordinates (default: the center) */
  zoom(factor: number, about?: { x: number; y: number }): void {
    const center = about ?? { x: this.box.x + this.box.width / 2, y: this.box.y + this.box.height / 2 };
    const scale = this.scale() * factor;
    const limited = scale > 4 ? 4 / this.scale() : scale < 0.05 ? 0.05 / this.scale() : factor;
    this.box = {
      x: center.x - (center.x - this.box.x) / limited,
      y: center.y - (center.y - this.box.y) / limited,
      width: this.box.width / limited,
      height: this.box.height / limited,
    };
    this.apply();
  }

  panPixels(dx: number, dy: number): void {
    const scale = this.scale();
    this.box = { ...this.box, x: this.box.x - dx / scale, y: this.box.y - dy / scale };
    this.apply();
  }

  /** moves the view by graph units (keeps an expanded node where it was on screen) */
  shift(dx: number, dy: number): void {
    this.box = { ...this.box, x: this.box.x + dx, y: this.box.y + dy };
    this.apply();
  }

  /** a point on screen (client coordinates) in graph coordinates */
  toGraph(clientX: number, clientY: number): { x: number; y: number } {
    const matrix = this.element.getScreenCTM();
    if (!matrix) return { x: 0, y: 0 };
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return { x: point.x, y: point.y };
  }

  /** zooms out (about the box's center) when the box is wider than the view, so an expanded node fits across */
  fitWidth(target: Box, margin = 12): void {
    const rect = this.element.getBoundingClientRect();
    const scale = this.scale();
    if (rect.width === 0 || (target.width + 2 * margin) * scale <= rect.width) return;
    this.zoom(rect.width / ((target.width + 2 * margin) * scale), { x: target.x + target.width / 2, y: target.y });
  }

  /** pans (without zooming) so that the box is in view, centered when it was outside */
  reveal(target: Box): void {
    const rect = this.element.getBoundingClientRect();
    const scale = this.scale();
    const visibleWidth = rect.width / scale || this.box.width;
    const visibleHeight = rect.height / scale || this.box.height;
    const left = this.box.x + this.box.width / 2 - visibleWidth / 2;
    const top = this.box.y + this.box.height / 2 - visibleHeight / 2;
    const inside = target.x >= left && target.y >= top && target.x + target.width <= left + visibleWidth && target.y + target.height <= top + visibleHeight;
    if (inside) return;
    this.box = { ...this.box, x: target.x + target.width / 2 - this.box.width / 2, y: target.y + target.height / 2 - this.box.height / 2 };
    this.apply();
  }
}
