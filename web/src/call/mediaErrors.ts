// Friendly, specific help when the camera or microphone cannot be used. Pure: the error and the
// platform are inputs, so every case is unit-tested. Texts are in the language shown when asked for.

import { i18next } from '../i18n/index.ts';

export type MediaProblem = 'denied' | 'no-device' | 'in-use' | 'unsupported' | 'insecure' | 'unknown';

export type Platform = 'ios' | 'android' | 'desktop';

export interface MediaHelp {
  problem: MediaProblem;
  title: string;
  steps: string[];
}

export function detectPlatform(userAgent: string, maxTouchPoints = 0): Platform {
  if (/iPhone|iPad|iPod/i.test(userAgent) || (/Macintosh/i.test(userAgent) && maxTouchPoints > 1)) return 'ios';
  if (/Android/i.test(userAgent)) return 'android';
  return 'desktop';
}

/** Sorts a getUserMedia failure into one of the problems the user can do something about. */
export function classifyMediaError(error: unknown): MediaProblem {
  const name = error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
    ? String(error.name)
    : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return 'no-device';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in-use';
    case 'TypeError':
    case 'NotSupportedError':
      return 'unsupported';
    default:
      return 'unknown';
  }
}

export interface BrowserCapabilities {
  secureContext: boolean;
  mediaDevices: boolean;
  peerConnection: boolean;
}

/** Whether this browser can make the call at all (checked before asking for any device). */
export function unsupportedReason(caps: BrowserCapabilities): MediaProblem | null {
  if (!caps.secureContext) return 'insecure';
  if (!caps.mediaDevices || !caps.peerConnection) return 'unsupported';
  return null;
}

type Device = 'camera' | 'microphone' | 'camera and microphone';

/** The device's key in call:mediaHelp.device (and its capitalised forms for settings screens). */
const DEVICE_KEY = { camera: 'camera', microphone: 'microphone', 'camera and microphone': 'both' } as const;

function deniedSteps(platform: Platform, device: Device): string[] {
  const key = DEVICE_KEY[device];
  const t = i18next.t.bind(i18next);
  switch (platform) {
    case 'ios':
      return [
        t('call:mediaHelp.denied.ios1', { setting: t(`call:mediaHelp.deviceSetting.${key}`) }),
        t('call:mediaHelp.denied.ios2'),
      ];
    case 'android':
      return [
        t('call:mediaHelp.denied.android1'),
        t('call:mediaHelp.denied.android2', { setting: t(`call:mediaHelp.deviceToggle.${key}`) }),
      ];
    case 'desktop':
      return [
        t('call:mediaHelp.denied.desktop1'),
        t('call:mediaHelp.denied.desktop2', { device: t(`call:mediaHelp.device.${key}`) }),
      ];
  }
}

/** Title and steps for the pre-call check and the call screen. */
export function mediaHelp(problem: MediaProblem, platform: Platform, device: Device = 'camera and microphone'): MediaHelp {
  const t = i18next.t.bind(i18next);
  const deviceName = t(`call:mediaHelp.device.${DEVICE_KEY[device]}`);
  switch (problem) {
    case 'denied':
      return {
        problem,
        title: t('call:mediaHelp.denied.title', { device: deviceName }),
        steps: deniedSteps(platform, device),
      };
    case 'no-device':
      return {
        problem,
        title: t('call:mediaHelp.noDevice.title', { device: deviceName }),
        steps: platform === 'desktop'
          ? [t(device === 'microphone' ? 'call:mediaHelp.noDevice.plugMicrophone' : 'call:mediaHelp.noDevice.plugWebcam'),
            t('call:mediaHelp.noDevice.thenClick')]
          : [t('call:mediaHelp.noDevice.phoneCheck'), t('call:mediaHelp.noDevice.restart')],
      };
    case 'in-use':
      return {
        problem,
        title: t('call:mediaHelp.inUse.title', { device: deviceName }),
        steps: [
          t('call:mediaHelp.inUse.close'),
          platform === 'desktop' ? t('call:mediaHelp.inUse.thenClick') : t('call:mediaHelp.inUse.thenTap'),
        ],
      };
    case 'unsupported':
      return {
        problem,
        title: t('call:mediaHelp.unsupported.title'),
        steps: platform === 'ios' ? [t('call:mediaHelp.unsupported.ios')] : [t('call:mediaHelp.unsupported.other')],
      };
    case 'insecure':
      return {
        problem,
        title: t('call:mediaHelp.insecure.title'),
        steps: [t('call:mediaHelp.insecure.step')],
      };
    case 'unknown':
      return {
        problem,
        title: t('call:mediaHelp.unknown.title', { device: deviceName }),
        steps: [t('call:mediaHelp.unknown.step')],
      };
  }
}
