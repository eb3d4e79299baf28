import { describe, expect, it } from 'vitest';
import { barLayout } from './bars.ts';

describe('bar layout', () => {
  it('grows improvements left of zero and shares right of it, proportionally', () => {
    const layout = barLayout([
      { label: 'a', value: -50, text: '−50%' },
      { label: 'b', value: -100, text: '−100%' },
    ], -100, 0);
    const [half, full] = layout.bars;
    expect(full!.width).toBeCloseTo(2 * half!.width);
    expect(half!.x + half!.width).toBeCloseTo(layout.zeroX);
    expect(layout.bars.map((bar) => bar.y)).toEqual([4, 26]);
  });

  it('keeps values inside the axis', () => {
    const layout = barLayout([{ label: 'x', value: 1.4, text: '140%' }], 0, 1);
    expect(layout.bars[0]!.width).toBeCloseTo(layout.bars[0]!.width);
    expect(layout.bars[0]!.x).toBeCloseTo(layout.zeroX);
    expect(layout.bars[0]!.x + layout.bars[0]!.width).toBeLessThanOrEqual(320);
  });
});
