import { describe, expect, it } from 'vitest';
import { ApiError } from './client.ts';
import { describeError } from './errorMessages.ts';

describe('describeError', () => {
  it('maps sign-in codes to plain words', () => {
    expect(describeError(new ApiError(401, 'invalid_credentials', 'x'))).toBe(
      'Wrong username or password',
    );
    expect(describeError(new ApiError(400, 'validation_error', 'x'))).toBe(
      'Please enter both your username and your password',
    );
    expect(describeError(new ApiError(0, 'network_error', 'x'))).toMatch(/Cannot reach/);
  });

  it('uses the status for unknown codes, then the server message', () => {
    expect(describeError(new ApiError(404, 'not_found', 'No such case'))).toMatch(/Not found/);
    expect(describeError(new ApiError(503, 'unavailable', 'down'))).toMatch(/having a problem/);
    expect(describeError(new ApiError(409, 'conflict', 'Case already closed'))).toBe(
      'Case already closed',
    );
  });

  it('has a generic message for anything else', () => {
    expect(describeError(new Error('boom'))).toBe('Something went wrong. Please try again.');
    expect(describeError('boom')).toBe('Something went wrong. Please try again.');
  });
});
