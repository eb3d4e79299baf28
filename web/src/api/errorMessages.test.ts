import { afterEach, describe, expect, it } from 'vitest';
import { i18next } from '../i18n/index.ts';
import { ApiError } from './client.ts';
import { describeError } from './errorMessages.ts';

describe('describeError', () => {
  it('maps sign-in codes to plain words', () => {
    expect(describeError(new ApiError(401, 'invalid_credentials', 'x'))).toBe(
      'Wrong username or password',
    );
    expect(describeError(new ApiError(400, 'validation_error', 'x'))).toMatch(/Check what you entered/);
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

  describe('in Simplified Chinese', () => {
    afterEach(async () => {
      await i18next.changeLanguage('en');
    });

    it('every code and status has its Chinese words, and the English server message is never shown', async () => {
      await i18next.changeLanguage('zh-CN');
      expect(describeError(new ApiError(401, 'invalid_credentials', 'x'))).toBe('用户名或密码错误');
      expect(describeError(new ApiError(409, 'conflict', 'Case already closed'))).toBe('内容已被更改，请刷新后重试。');
      expect(describeError(new ApiError(404, 'not_found', 'No such case'))).toBe('未找到，或您无权访问。');
      expect(describeError(new Error('boom'))).toBe('出错了，请重试。');
    });
  });
});
