import { describe, expect, it } from 'vitest';
import { remindsRole } from './reminderLanguage.ts';

describe('remindsRole', () => {
  it('saves a reminder language for the people who get reminders only', () => {
    expect(remindsRole('patient')).toBe(true);
    expect(remindsRole('doctor')).toBe(true);
    expect(remindsRole('admin')).toBe(false);
  });
});
