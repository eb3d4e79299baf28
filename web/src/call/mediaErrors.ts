// Friendly, specific help when the camera or microphone cannot be used. Pure: the error and the
// platform are inputs, so every case is unit-tested.

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

const deniedSteps: Record<Platform, (device: Device) => string[]> = {
  ios: (device) => [
    `Open the Settings app, scroll to Safari (or the browser you use) and set ${capitalise(device)} to "Allow".`,
    'Come back here and tap "Try again".',
  ],
  android: (device) => [
    'Tap the icon left of the web address, then "Permissions".',
    `Turn on ${device === 'camera and microphone' ? 'Camera and Microphone' : capitalise(device)}, then tap "Try again".`,
  ],
  desktop: (device) => [
    'Click the camera or lock icon in the address bar.',
    `Choose "Allow" for the ${device}, then click "Try again" (you may need to reload the page).`,
  ],
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Title and steps for the pre-call check and the call screen. */
export function mediaHelp(problem: MediaProblem, platform: Platform, device: Device = 'camera and microphone'): MediaHelp {
  switch (problem) {
    case 'denied':
      return {
        problem,
        title: `DermaFollow is not allowed to use your ${device}.`,
        steps: deniedSteps[platform](device),
      };
    case 'no-device':
      return {
        problem,
        title: `No ${device} was found.`,
        steps: platform === 'desktop'
          ? [`Plug in a ${device === 'microphone' ? 'microphone or headset' : 'webcam'}, or use your phone instead.`,
            'Then click "Try again".']
          : ['Make sure no other app has switched the camera off, then tap "Try again".',
            'If it still fails, restart the phone.'],
      };
    case 'in-use':
      return {
        problem,
        title: `Your ${device} is being used by another app.`,
        steps: [
          'Close other apps or browser tabs that may use it (video calls, the camera app).',
          platform === 'desktop' ? 'Then click "Try again".' : 'Then tap "Try again".',
        ],
      };
    case 'unsupported':
      return {
        problem,
        title: 'This browser cannot make video calls.',
        steps: platform === 'ios'
          ? ['Open this page in Safari (iOS 14.3 or newer).']
          : ['Open this page in a current version of Chrome, Edge, Firefox or Safari.'],
      };
    case 'insecure':
      return {
        problem,
        title: 'Video calls need a secure (https) page.',
        steps: ['Open DermaFollow through its https:// address, then try again.'],
      };
    case 'unknown':
      return {
        problem,
        title: `Your ${device} could not be started.`,
        steps: ['Try again. If it keeps failing, restart the browser or the device.'],
      };
  }
}
