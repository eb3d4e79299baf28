// Horizontal bar charts of the clinic analytics page (inline SVG). Pure.

export interface Bar {
  label: string;
  value: number;
  text: string;
}

export interface BarLayout {
  bars: { label: string; text: string; x: number; y: number; width: number }[];
  height: number;
  zeroX: number;
}

const ROW = 22;
const LABEL = 150;
const WIDTH = 320;

/** Bars from a zero line: negative values (an improvement in score) grow left, positive right. */
export function barLayout(bars: readonly Bar[], min: number, max: number): BarLayout {
  const span = Math.max(max - min, 1e-9);
  const inner = WIDTH - LABEL - 40;
  const scale = (value: number) => LABEL + ((value - min) / span) * inner;
  const zeroX = scale(Math.min(Math.max(0, min), max));
  return {
    zeroX,
    height: bars.length * ROW + 8,
    bars: bars.map((bar, index) => {
      const end = scale(Math.min(Math.max(bar.value, min), max));
      return { label: bar.label, text: bar.text, x: Math.min(end, zeroX), y: 4 + index * ROW, width: Math.abs(end - zeroX) };
    }),
  };
}
