import { describe, expect, it } from 'vitest';
import { rovingStep } from './rovingFocus.ts';

describe('rovingStep', () => {
  it('moves forward and back with the arrows, wrapping at both ends', () => {
    expect(rovingStep('ArrowRight', 0, 3)).toBe(1);
    expect(rovingStep('ArrowDown', 2, 3)).toBe(0);
    expect(rovingStep('ArrowLeft', 0, 3)).toBe(2);
    expect(rovingStep('ArrowUp', 2, 3)).toBe(1);
  });
  it('goes to the first and the last with Home and End', () => {
    expect(rovingStep('Home', 2, 5)).toBe(0);
    expect(rovingStep('End', 0, 5)).toBe(4);
  });
  it('leaves every other key, and an empty or unknown group, alone', () => {
    expect(rovingStep('Enter', 0, 3)).toBeNull();
    expect(rovingStep('Tab', 0, 3)).toBeNull();
    expect(rovingStep('ArrowRight', 0, 0)).toBeNull();
    expect(rovingStep('ArrowRight', -1, 3)).toBeNull();
  });
});
