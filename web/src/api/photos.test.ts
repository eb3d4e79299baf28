import { describe, expect, it } from 'vitest';
import { ApiError, CLIENT_ERROR_CODES } from './client.ts';
import {
  buildUploadForm,
  sniffImageType,
  uploadPhoto,
  type FormPoster,
  type PhotoUploadApi,
  type PhotoUploadProgress,
} from './photos.ts';
import type { PhotoUpload, PhotoUploadIntent, PhotoUploadRequest } from './types.ts';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
const HEIC = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]);

function upload(status: PhotoUpload['status'], extra: Partial<PhotoUpload> = {}): PhotoUpload {
  return {
    photoId: 'ph1',
    caseId: 'c1',
    status,
    bodySite: 'elbow_left',
    lesionId: null,
    contentType: 'image/jpeg',
    sizeBytes: JPEG.length,
    capturedAt: '2026-03-01T10:00:00+00:00',
    source: 'camera',
    createdAt: '2026-03-01T10:00:00+00:00',
    uploadedBy: 'u1',
    ...extra,
  };
}

class FakeApi implements PhotoUploadApi {
  requests: PhotoUploadRequest[] = [];
  polls = 0;
  constructor(private readonly answers: (PhotoUpload | Error)[]) {}

  createPhotoUpload(caseId: string, request: PhotoUploadRequest): Promise<PhotoUploadIntent> {
    this.requests.push(request);
    return Promise.resolve({
      ...upload('pending', { caseId, contentType: request.contentType, sizeBytes: request.sizeBytes }),
      upload: {
        method: 'POST',
        url: '/s3/bucket',
        fields: { key: 'uploads/c1/ph1', policy: 'p', 'Content-Type': request.contentType },
        fileField: 'file',
        expiresAt: '2026-03-01T10:05:00+00:00',
      },
    });
  }

  getPhotoUpload(): Promise<PhotoUpload> {
    const answer = this.answers[Math.min(this.polls, this.answers.length - 1)]!;
    this.polls += 1;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }
}

function harness() {
  let now = 0;
  const posted: { url: string; form: FormData }[] = [];
  const statuses: PhotoUploadProgress[] = [];
  const postForm: FormPoster = (url, form, { onProgress }) => {
    posted.push({ url, form });
    onProgress?.(5, 10);
    return Promise.resolve();
  };
  return {
    posted,
    statuses,
    options: {
      postForm,
      onStatus: (progress: PhotoUploadProgress) => statuses.push(progress),
      sleep: (ms: number) => {
        now += ms;
        return Promise.resolve();
      },
      now: () => now,
      timeoutMs: 5_000,
      pollIntervalMs: 1_000,
    },
  };
}

describe('uploadPhoto', () => {
  it('asks for an upload, posts the fields then the file, and reports the acceptance', async () => {
    const photo = { photoId: 'ph1' } as NonNullable<PhotoUpload['photo']>;
    const api = new FakeApi([upload('pending'), upload('processing'), upload('accepted', { photo })]);
    const { posted, statuses, options } = harness();
    const blob = new Blob([JPEG]); // no type: detected from the bytes

    const result = await uploadPhoto(api, 'c1', blob, { bodySite: 'elbow_left', lesionId: 'les_1', source: 'gallery' }, options);

    expect(result).toMatchObject({ outcome: 'accepted', photoId: 'ph1', photo });
    expect(api.requests).toEqual([
      { bodySite: 'elbow_left', lesionId: 'les_1', contentType: 'image/jpeg', sizeBytes: JPEG.length, source: 'gallery' },
    ]);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.url).toBe('/s3/bucket');
    const names = [...posted[0]!.form.keys()];
    expect(names).toEqual(['key', 'policy', 'Content-Type', 'file']);
    const file = posted[0]!.form.get('file') as Blob;
    expect(file.type).toBe('image/jpeg');
    expect(statuses.map((status) => status.phase)).toEqual([
      'requesting', 'uploading', 'uploading', 'processing', 'processing', 'processing', 'accepted',
    ]);
    expect(statuses[2]).toMatchObject({ loaded: 5, total: 10 });
  });

  it("resolves a rejection with the server's code and message", async () => {
    const rejection = { code: 'blurry', message: 'The photo is blurred.' };
    const api = new FakeApi([upload('rejected', { rejection })]);
    const { options } = harness();
    const result = await uploadPhoto(api, 'c1', new Blob([PNG], { type: 'image/png' }), { bodySite: 'face', source: 'camera' }, options);
    expect(result).toMatchObject({ outcome: 'rejected', rejection });
    expect(api.requests[0]!.contentType).toBe('image/png');
  });

  it('gives up waiting after the timeout, keeping the last known status', async () => {
    const api = new FakeApi([upload('processing')]);
    const { options } = harness();
    const result = await uploadPhoto(api, 'c1', new Blob([JPEG]), { bodySite: 'face', source: 'visit' }, options);
    expect(result.outcome).toBe('timeout');
    expect(result.upload?.status).toBe('processing');
    expect(api.polls).toBeGreaterThanOrEqual(5);
  });

  it('keeps polling through a dropped connection', async () => {
    const offline = new ApiError(0, CLIENT_ERROR_CODES.network, 'offline');
    const api = new FakeApi([offline, upload('accepted')]);
    const { options } = harness();
    const result = await uploadPhoto(api, 'c1', new Blob([JPEG]), { bodySite: 'face', source: 'camera' }, options);
    expect(result.outcome).toBe('accepted');
  });

  it('refuses formats other than JPEG and PNG before asking for an upload', async () => {
    const api = new FakeApi([upload('accepted')]);
    const { options } = harness();
    await expect(
      uploadPhoto(api, 'c1', new Blob([HEIC], { type: 'image/heic' }), { bodySite: 'face', source: 'gallery' }, options),
    ).rejects.toMatchObject({ code: 'unsupported_format' });
    expect(api.requests).toHaveLength(0);
  });

  it('passes on a storage failure as an ApiError', async () => {
    const api = new FakeApi([upload('accepted')]);
    const { options } = harness();
    const failing: FormPoster = () => Promise.reject(new ApiError(403, 'upload_failed', 'denied'));
    await expect(
      uploadPhoto(api, 'c1', new Blob([JPEG]), { bodySite: 'face', source: 'camera' }, { ...options, postForm: failing }),
    ).rejects.toMatchObject({ status: 403, code: 'upload_failed' });
  });
});

describe('helpers', () => {
  it('recognises JPEG and PNG from their first bytes', () => {
    expect(sniffImageType(JPEG)).toBe('image/jpeg');
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(HEIC)).toBeNull();
    expect(sniffImageType(new Uint8Array())).toBeNull();
  });

  it('builds the form with the file last under the given field name', () => {
    const form = buildUploadForm(
      { method: 'POST', url: '/s3', fields: { a: '1', b: '2' }, fileField: 'file', expiresAt: '' },
      new Blob([JPEG], { type: 'image/jpeg' }),
    );
    expect([...form.keys()]).toEqual(['a', 'b', 'file']);
  });
});
