import { useEffect, useRef } from 'react';

interface VideoTileProps {
  stream: MediaStream | null;
  /** Our own picture: never play it back (echo), mirror it when it is the front camera. */
  muted?: boolean;
  mirror?: boolean;
  className?: string;
  testId?: string;
  label: string;
  /** Called with the <video> element (and null when it goes away). */
  videoRef?: (element: HTMLVideoElement | null) => void;
  /** Output device for the sound (HTMLMediaElement.setSinkId), when the browser supports it. */
  sinkId?: string | undefined;
}

/** A <video> bound to a MediaStream (React cannot set srcObject as an attribute). */
export function VideoTile({ stream, muted = false, mirror = false, className, testId, label, videoRef, sinkId }: VideoTileProps) {
  const own = useRef<HTMLVideoElement | null>(null);

  useEffect(() => {
    const video = own.current;
    if (video === null) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream !== null) {
      // Autoplay can be refused until the user interacts; the next render (or a tap) tries again.
      void video.play().catch(() => undefined);
    }
  }, [stream]);

  useEffect(() => {
    const video = own.current;
    // setSinkId is missing in some browsers (Safari before 18.4, Firefox before 116).
    if (video !== null && sinkId !== undefined && sinkId !== '' && typeof video.setSinkId === 'function') {
      void video.setSinkId(sinkId).catch(() => undefined);
    }
  }, [sinkId]);

  const setRefs = (element: HTMLVideoElement | null) => {
    own.current = element;
    videoRef?.(element);
  };

  return (
    <video
      ref={setRefs}
      className={`video-tile${mirror ? ' video-tile--mirror' : ''}${className !== undefined ? ` ${className}` : ''}`}
      autoPlay
      playsInline
      muted={muted}
      aria-label={label}
      data-testid={testId}
    />
  );
}
